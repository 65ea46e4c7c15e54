using ImageTasks.Diagnostics;

namespace ImageTasks.Engine.Publishing;

/// <summary>The manifests an image is pushed and archived with: Docker's (v2 schema 2) or OCI's (ContainerImageFormat).</summary>
public enum ImageFormat { Docker, Oci }

/// <summary>The media types of manifests, indexes, configs and layers in either format.</summary>
public static class MediaTypes
{
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string DockerConfig = "application/vnd.docker.container.image.v1+json";
    public const string DockerLayer = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string OciConfig = "application/vnd.oci.image.config.v1+json";
    public const string OciLayer = "application/vnd.oci.image.layer.v1.tar+gzip";

    public static string Manifest(ImageFormat format) => format == ImageFormat.Oci ? OciManifest : DockerManifest;
    public static string Index(ImageFormat format) => format == ImageFormat.Oci ? OciIndex : DockerManifestList;
    public static string Config(ImageFormat format) => format == ImageFormat.Oci ? OciConfig : DockerConfig;
    public static string Layer(ImageFormat format) => format == ImageFormat.Oci ? OciLayer : DockerLayer;
}

public static class ImageFormats
{
    /// <summary>ContainerImageFormat: "Docker" or "OCI" (any case); blank is null (inferred from the base, as the SDK
    /// does). Anything else is IMG1060.</summary>
    public static ImageFormat? Parse(string? value) => value?.Trim() switch
    {
        null or "" => null,
        var v when v.Equals("Docker", StringComparison.OrdinalIgnoreCase) => ImageFormat.Docker,
        var v when v.Equals("OCI", StringComparison.OrdinalIgnoreCase) => ImageFormat.Oci,
        var v => throw new ImageTasksException(ErrorCodes.InvalidImageFormat,
            $"ContainerImageFormat '{v}' is not a format ImageTasks writes. Use Docker or OCI, or leave it empty to follow the base image's format."),
    };

    /// <summary>The format a base's manifest media type implies: OCI for an OCI manifest or index, otherwise Docker
    /// (also when the base's manifest type is unknown: a local image, or a registry that did not say).</summary>
    public static ImageFormat FromBase(string? manifestMediaType) =>
        manifestMediaType is MediaTypes.OciManifest or MediaTypes.OciIndex ? ImageFormat.Oci : ImageFormat.Docker;
}
