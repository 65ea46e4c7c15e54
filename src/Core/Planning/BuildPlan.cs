using ImageTasks.Definition;

namespace ImageTasks.Planning;

/// <summary>A step with its layer key, computed before anything runs.</summary>
/// <param name="Forced">Rebuild this layer even when its key is cached: the step, or one below it, is forced.</param>
/// <param name="Index">0-based position in the definition.</param>
/// <param name="Key">64 lowercase hex characters (SHA-256).</param>
/// <param name="ParentKey">The key of the step below, or the base key for the first step.</param>
/// <param name="Files">For a CopyStep, the files it copies, in the order they go into the layer; empty otherwise.</param>
public sealed record PlannedStep(int Index, BuildStep Step, string Key, string ParentKey, bool Forced, IReadOnlyList<FileEntry> Files);

/// <summary>The plan: the base image's key (its content id) and every step with its key.</summary>
public sealed record BuildPlan(ImageDefinition Definition, string BaseKey, IReadOnlyList<PlannedStep> Steps)
{
    /// <summary>The key of the top layer (the base key when there are no steps).</summary>
    public string FinalKey => Steps.Count == 0 ? BaseKey : Steps[^1].Key;
}

/// <summary>One entry copied into an image by a CopyStep.</summary>
/// <param name="ImagePath">Absolute path in the image, '/' separated.</param>
/// <param name="HostPath">Where the bytes are read from (null for a directory entry).</param>
/// <param name="Mode">Permission bits as they go into the layer (after the step's Mode override).</param>
/// <param name="Sha256">Hex digest of the content; empty for directories.</param>
public sealed record FileEntry(string ImagePath, string? HostPath, bool IsDirectory, int Mode, long Size, string Sha256);

/// <summary>Switches of a plan that are not part of the definition.</summary>
public sealed record PlanOptions
{
    /// <summary>Force every step (the global switch, or IMAGETASKS_FORCE_BUILD=1). Keys do not change.</summary>
    public bool ForceAll { get; init; }
    /// <summary>The platform the layers are built for (os/arch[/variant]). Every key of a platform other than
    /// <see cref="Planner.DefaultPlatform"/> carries it; linux/amd64 keys stay as they were before platforms were keyed.</summary>
    public string Platform { get; init; } = Planner.DefaultPlatform;
}
