using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using ImageTasks.Definition;
using ImageTasks.Planning;

namespace ImageTasks.Engine;

/// <summary>
/// How the engine runs each kind of step, in one place: its command, the files it copies in, its cache volumes, its
/// secrets and settings. Adding a step kind is one case in <see cref="RunFor"/> (and one in the planner's FormOf).
/// </summary>
public sealed partial class ImageBuilder
{
    StepRun RunFor(PlannedStep step, string parentId, ImageConfig config, BuildOptions options)
    {
        // every commit records its key and parent key (the shared cache checks an entry against them)
        var run = new StepRun(parentId, null, config, null, options.Network, new Dictionary<string, string>())
            { Comment = CacheRecord.For(step), Platform = options.Platform == Planner.DefaultPlatform ? null : options.Platform };
        return BuildSecrets.Apply(step.Step switch
        {
            AptStep apt => run with { Command = StepCommands.Apt(apt, options.UseCacheVolumes), CacheMounts = AptVolumes(options) },
            PipStep pip => run with { Command = StepCommands.Pip(pip), CacheMounts = PipVolume(options), Secrets = StepCommands.PipSecrets(pip.Options, step.Files) },
            PipRequirementsStep requirements => run with
            {
                Command = StepCommands.PipRequirements(requirements, step.Files), CacheMounts = PipVolume(options),
                Secrets = StepCommands.PipSecrets(requirements.Options, step.Files),
            },
            CondaStep conda => run with
            {
                Command = StepCommands.Conda(conda, step.Files, options.UseCacheVolumes), CacheMounts = CondaVolume(options),
                Secrets = StepCommands.CondaSecrets(conda, step.Files),
            },
            AddPythonStep python => run with { Command = StepCommands.AddPython(python, options.UseCacheVolumes), CacheMounts = AptVolumes(options) },
            ShellStep shell => run with { Command = StepCommands.Shell(shell) },
            RunStep r => WithRunSettings(run with { Command = r.Command }, r, options),
            CopyStep copy => run with { Archive = CopyArchive(step, copy, parentId) },
            CopyFromImageStep from => run with { Archive = (stream, ct) => WriteCopyFromAsync(stream, from, parentId, ct) },
            ExtractStep extract => run with { Archive = (stream, ct) => StageArchive.ExtractAsync(extract.HostPath, extract.Destination, stream, ct) },
            ConfigStep => run, // committed with the new configuration, nothing run
            FunctionStep function => run with
            {
                Command = function.Command, WorkingDirectory = function.WorkingDirectory,
                Files = new StepFiles(FunctionStep.MountDirectory, (stream, ct) => FolderArchive.WriteAsync(function.PublishDirectory, stream, ct)),
            },
            _ => throw new NotSupportedException($"The engine cannot run a {step.Step.GetType().Name}: add a case to ImageBuilder.RunFor."),
        }, step.Step, options.SecretValues);
    }

    /// <summary>pip's downloads, kept between builds in a named volume mounted during pip steps only.</summary>
    static Dictionary<string, string> PipVolume(BuildOptions options) => !options.UseCacheVolumes ? []
        : new() { [options.CacheVolumePrefix + "-pip"] = StepCommands.PipCacheDir };

    /// <summary>micromamba's package cache, kept between builds in a named volume mounted during conda steps only.</summary>
    static Dictionary<string, string> CondaVolume(BuildOptions options) => !options.UseCacheVolumes ? []
        : new() { [options.CacheVolumePrefix + "-conda"] = StepCommands.CondaPackagesDir };

    /// <summary>apt's lists and downloads, kept between builds in named volumes mounted during apt steps only.</summary>
    static Dictionary<string, string> AptVolumes(BuildOptions options) => !options.UseCacheVolumes ? []
        : new()
        {
            [options.CacheVolumePrefix + "-apt"] = StepCommands.AptArchivesDir,
            [options.CacheVolumePrefix + "-apt-lists"] = StepCommands.AptListsDir,
        };

    /// <summary>The tar a copy step puts in at '/'. A Dockerfile's COPY of one file to a path that is a folder of the
    /// parent puts the file into that folder, under the name the plan keyed.</summary>
    Func<Stream, CancellationToken, Task> CopyArchive(PlannedStep step, CopyStep copy, string parentId) => copy.IntoExistingFolderAs is not { } name
        ? (stream, ct) => LayerArchive.WriteAsync(stream, copy, step.Files, ct)
        : async (stream, ct) =>
        {
            var files = step.Files;
            if (await backend.IsDirectoryAsync(parentId, copy.Destination, ct).ConfigureAwait(false))
                files = files.Select(f => f with { ImagePath = copy.Destination.TrimEnd('/') + "/" + name }).ToArray();
            await LayerArchive.WriteAsync(stream, copy, files, ct).ConfigureAwait(false);
        };

    async Task WriteCopyFromAsync(Stream stream, CopyFromImageStep from, string parentId, CancellationToken cancellationToken)
    {
        var owner = LayerArchive.Owner(from.Owner);
        var mode = from.Mode is null ? (int?)null : Convert.ToInt32(from.Mode, 8);
        await using var tar = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true);
        await backend.ExportPathsAsync(from.SourceImage, from.Paths, async (exported, source, ct) =>
        {
            var destination = from.Destination;
            // a file goes into the destination when it ends with '/' or is a folder of the parent image (Docker's rule)
            if (!exported.IsDirectory && (destination.EndsWith('/')
                    || await backend.IsDirectoryAsync(parentId, destination, ct).ConfigureAwait(false)))
                destination = destination.TrimEnd('/') + "/" + exported.Name;
            await StageArchive.CopyAsync(source, tar, exported, destination.TrimStart('/'), owner, mode, ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Exports NAME=value arguments up to "--", then runs the rest. A RUN's variables reach its command this way: the
    /// engine's commit would keep variables given to the container in the image (Docker merges them in), and ARG
    /// values must not stay there.
    /// </summary>
    const string WithVariables = "for a do shift; [ \"$a\" = -- ] && break; export \"$a\"; done; exec \"$@\"";

    /// <summary>A RUN's variables, network and cache mounts (named volumes, per cache id).</summary>
    static StepRun WithRunSettings(StepRun run, RunStep r, BuildOptions options) => run with
    {
        Command = r.Environment.Count == 0 || run.Command is null ? run.Command
            : ["/bin/sh", "-c", WithVariables, "sh", .. r.Environment.Select(e => $"{e.Key}={e.Value}"), "--", .. run.Command],
        Network = r.Network ?? run.Network,
        CacheMounts = r.CacheMounts.Count == 0 ? run.CacheMounts
            : run.CacheMounts.Concat(r.CacheMounts.Select(m => KeyValuePair.Create(CacheVolume(options, m.Key), m.Value))).ToDictionary(),
    };

    /// <summary>&lt;prefix&gt;-run-&lt;hash of the cache id&gt;: a valid volume name for any id.</summary>
    internal static string CacheVolume(BuildOptions options, string id) =>
        $"{options.CacheVolumePrefix}-run-{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(id)))[..16].ToLowerInvariant()}";
}
