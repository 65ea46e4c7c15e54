using ImageTasks.Definition;
using ImageTasks.Diagnostics;
using ImageTasks.Tasks.Protocol;

namespace ImageTasks.Tasks.Mapping;

/// <summary>
/// <c>Secrets</c> and <c>Env</c> metadata of a step item (Modal's <c>secrets=</c> and <c>env=</c>): the names of the build
/// secrets the step gets ("HF_TOKEN;OTHER"), and its build-time environment ("A=1;B=2"). Items with different values
/// form different steps (the mapper's group key has both).
/// </summary>
internal static class StepSettings
{
    public static BuildStep Apply(BuildStep step, ItemData item)
    {
        var secrets = SecretNamesOf(item);
        var environment = EnvironmentOf(item);
        if (secrets.Count == 0 && environment.Count == 0) return step;
        if (step is CopyStep or ConfigStep)
            throw new ImageTasksException(ErrorCodes.SecretsOnCopy,
                $"The item \"{item.ItemSpec}\" has Secrets (\"{item.Get("Secrets")}\") or Env (\"{item.Get("Env")}\"), but its step ({step.Summary}) runs nothing. " +
                "Remove them; give them to the command, package or function that needs them.");
        return step with { Secrets = secrets, BuildEnvironment = environment };
    }

    public static IReadOnlyList<string> SecretNamesOf(ItemData item) =>
        (item.Get("Secrets") ?? "").Split([';', ',', ' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries);

    static IReadOnlyList<KeyValuePair<string, string>> EnvironmentOf(ItemData item)
    {
        var text = item.Get("Env");
        if (text is null) return [];
        var pairs = new List<KeyValuePair<string, string>>();
        foreach (var part in text.Split([';', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (part.Trim().Length == 0) continue;
            var equals = part.IndexOf('=');
            if (equals <= 0)
                throw new ImageTasksException(ErrorCodes.InvalidBuildEnvironment,
                    $"The Env entry \"{part.Trim()}\" of \"{item.ItemSpec}\" is not NAME=value. Write Env=\"MODE=fast;LEVEL=2\" (';' between entries).");
            pairs.Add(new(part.Substring(0, equals).Trim(), part.Substring(equals + 1)));
        }
        return pairs;
    }
}
