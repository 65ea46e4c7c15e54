using ImageTasks.Definition;

namespace ImageTasks.Planning;

public static partial class Planner
{
    /// <summary>
    /// A step's build secrets (names, as a set: never a value, so a new value rebuilds nothing) and build environment
    /// (in order: a later one wins). Added only when set, so the keys of steps without them do not change.
    /// </summary>
    private static IEnumerable<string?> RunSettingsOf(BuildStep step) => step.Secrets.Count == 0 && step.BuildEnvironment.Count == 0
        ? []
        :
        [
            "step-settings", .. List(step.Secrets.Order(StringComparer.Ordinal).ToArray()),
            .. Pairs(step.BuildEnvironment.Select(e => (e.Key, (string?)e.Value)), sort: false),
        ];
}
