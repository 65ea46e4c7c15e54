using ImageTasks.Definition;

namespace ImageTasks.Planning;

/// <summary>Turns a definition into a plan: the layer key of every step. Pure but for reading copied files (through the digester).</summary>
public static class Planner
{
    /// <summary>The version of the layer format; part of every key, bumped when what a step produces changes.</summary>
    public const string BuilderVersion = "imagetasks-layer-v1";

    // STUB: to be implemented
    public static BuildPlan Plan(ImageDefinition definition, string baseImageId, FileDigester files, PlanOptions? options = null)
        => throw new NotImplementedException();
}
