namespace ImageTasks.Backend.Registry;

public enum RegistryOperation { Pull, Push }

/// <summary>
/// Credentials for one registry. <see cref="Secret"/> is a password, or an identity token when
/// <see cref="IsIdentityToken"/>. Neither the secret nor the user name is ever written out: <see cref="ToString"/>
/// names only where the credentials came from.
/// </summary>
/// <param name="Source">Where they were found, for messages ("/home/me/.docker/config.json auths").</param>
public sealed record RegistryCredential(string Username, string Secret, bool IsIdentityToken, string Source)
{
    public override string ToString() => $"credentials from {Source}";
}

/// <summary>
/// The result of a lookup: the credentials (null: anonymous) and every place that was looked at, in order, so an
/// error can say where credentials were looked for.
/// </summary>
public sealed record CredentialLookup(string Registry, RegistryCredential? Credential, IReadOnlyList<string> Searched)
{
    public override string ToString() => $"{Registry}: {(Credential is null ? "anonymous" : Credential.ToString())}";
}
