using ImageTasks.Diagnostics;
using ImageTasks.Planning;

namespace ImageTasks.Engine;

/// <summary>What a build does about other builds on the same engine and about the engine failing under it.</summary>
public sealed partial class ImageBuilder
{
    /// <summary>
    /// Tags a committed layer under its key. When a build beside this one tagged the same key meanwhile, its layer is
    /// used and this one's copy removed (a forced step overwrites instead): one image per key, none left dangling.
    /// Two builds that both look before either tags can still both tag; the second tag wins and the first copy stays
    /// under the first build's next layers.
    /// </summary>
    async Task<ImageInfo> TagLayerAsync(string id, PlannedStep step, BuildOptions options, CancellationToken cancellationToken)
    {
        if (!step.Forced && await backend.InspectImageAsync($"{options.CacheRepository}:{step.Key}", cancellationToken).ConfigureAwait(false) is { } first
            && first.Id != id)
        {
            await backend.RemoveImageAsync(id, cancellationToken).ConfigureAwait(false);
            return first;
        }
        // the tag and the image's inspect do not wait for each other: asked at once
        var inspecting = backend.InspectImageAsync(id, cancellationToken);
        await Task.WhenAll(backend.TagAsync(id, options.CacheRepository, step.Key, cancellationToken), inspecting).ConfigureAwait(false);
        return await inspecting.ConfigureAwait(false)
               ?? throw new ImageTasksException(ErrorCodes.CommitFailed, $"The engine committed step {step.Index + 1} as {id} but does not show that image. Build again.");
    }

    /// <summary>An engine failure during a step, said with the step it hit.</summary>
    static ImageTasksException DuringStep(ImageTasksException e, PlannedStep step, BuildPlan plan)
        => new(e.Code, $"Step {step.Index + 1}/{plan.Steps.Count} ({step.Step.Summary}): {e.Message}", e.InnerException);

    /// <summary>A failure of the engine (or of what it can do: Podman's commit) during a step: its message gets the step.</summary>
    static bool IsEngineFailure(ImageTasksException e)
        => e.Code is ErrorCodes.EngineUnreachable or ErrorCodes.EngineError or ErrorCodes.PodmanCommitUnsupported or ErrorCodes.PodmanCommitMismatch;
}
