namespace ImageTasks.Definition;

/// <summary>
/// Credentials written into a URL (https://user:token@host/simple). They are secrets: they never go into a layer key,
/// a log line, a command line or the image; keys and logs see the URL without them.
/// </summary>
public static class UrlCredentials
{
    public static bool Has(string? url) => url is not null && Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0;

    /// <summary>The URL without its user information.</summary>
    public static string? Redact(string? url)
        => Has(url) ? new UriBuilder(new Uri(url!)) { UserName = "", Password = "" }.Uri.ToString() : url;
}
