using ImageTasks.Diagnostics;

namespace ImageTasks.Backend.Registry;

/// <summary>The coded error for a registry that refused a pull or a push: which registry, where credentials were
/// looked for, and what to do. It names where credentials came from, never what they are.</summary>
public static class RegistryErrors
{
    /// <summary>How registries and the engine word a refusal (401, 403, missing basic auth).</summary>
    public static bool IsUnauthorized(string message) =>
        new[] { "unauthorized", "authentication required", "no basic auth credentials", "denied", "401", "403" }
            .Any(word => message.Contains(word, StringComparison.OrdinalIgnoreCase));

    public static ImageTasksException Unauthorized(RegistryOperation operation, string reference, CredentialLookup lookup, string engineMessage)
    {
        var variables = RegistryCredentials.OwnVariables;
        var sent = lookup.Credential is null
            ? "No credentials were found for it"
            : $"The {lookup.Credential} were sent and refused";
        return new ImageTasksException(ErrorCodes.RegistryUnauthorized,
            $"The registry {lookup.Registry} refused to let this engine {operation.ToString().ToLowerInvariant()} '{reference}': {engineMessage.Trim()}. " +
            $"{sent}. {Searched(lookup)} " +
            $"Run 'docker login {lookup.Registry}' (or give the credentials in {variables.User} and {variables.Password}) and try again.");
    }

    /// <summary>Where credentials were looked for; when the first place had them, nothing else was looked at.</summary>
    static string Searched(CredentialLookup lookup) => lookup.Searched.Count > 0
        ? $"Credentials were looked for in: {string.Join("; ", lookup.Searched)}."
        : lookup.Credential is not null
            ? "They came from the first place credentials are looked for, so no other place was looked at."
            : "No place to look for credentials was found.";
}
