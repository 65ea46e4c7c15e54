using ImageTasks.Diagnostics;

namespace ImageTasks.Definition;

/// <summary>
/// What a step that runs something gets while it runs and nowhere else (Modal's <c>secrets=</c> and <c>env=</c> on build
/// steps): build secrets by name (their values are read when the build runs, never part of the definition or a key) and
/// build-time environment variables (part of the key, not of the image's configuration).
/// </summary>
public abstract partial record BuildStep
{
    readonly IReadOnlyList<string> _secrets = [];
    readonly IReadOnlyList<KeyValuePair<string, string>> _buildEnvironment = [];

    /// <summary>Names of the build secrets the step's process gets, as environment variables and as files in the step's
    /// secrets volume. Names only: a value is no part of a definition, so a new value rebuilds nothing.</summary>
    public IReadOnlyList<string> Secrets
    {
        get => _secrets;
        init
        {
            foreach (var name in value) Validation.CheckSecretName(name);
            var twice = value.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
            if (twice is not null)
                throw new ImageTasksException(ErrorCodes.InvalidSecretName, $"The secret \"{twice.Key}\" is named twice for the step ({Summary}). Name each secret once.");
            _secrets = value.ToArray();
        }
    }

    /// <summary>Variables set for the step's process only, in order (a later one wins); in the key, never in the image.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> BuildEnvironment
    {
        get => _buildEnvironment;
        init
        {
            foreach (var (name, _) in value) Validation.CheckBuildEnvironmentName(name);
            _buildEnvironment = value.ToArray();
        }
    }
}

public static partial class Validation
{
    public static void CheckSecretName(string name)
    {
        if (!EnvironmentName().IsMatch(name))
            throw Fail(ErrorCodes.InvalidSecretName, $"The build secret name \"{name}\" is not valid: it is the name of the environment variable the step gets. " +
                "Use letters, digits and '_', not starting with a digit (\"HF_TOKEN\").");
    }

    public static void CheckBuildEnvironmentName(string name)
    {
        if (!EnvironmentName().IsMatch(name))
            throw Fail(ErrorCodes.InvalidBuildEnvironment, $"The build environment variable name \"{name}\" is not valid. " +
                "Use letters, digits and '_', not starting with a digit (Env=\"MODE=fast;LEVEL=2\").");
    }
}
