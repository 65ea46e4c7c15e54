namespace ImageTasks.Definition;

/// <summary>
/// Credentials written into a URL: user information (https://user:token@host/simple) or a query string
/// (https://host/simple?token=...). They are secrets: they never go into a layer key, a log line, a command line or the
/// image; keys and logs see the URL without them.
/// </summary>
public static class UrlCredentials
{
    public static bool Has(string? url) => Parse(url) is { } uri && (uri.UserInfo.Length > 0 || uri.Query.Length > 1);

    /// <summary>The URL without its user information and with every query value emptied (<c>?token=</c>).</summary>
    public static string? Redact(string? url)
    {
        if (!Has(url)) return url;
        var builder = new UriBuilder(Parse(url)!) { UserName = "", Password = "" };
        if (builder.Query.Length > 1)
            builder.Query = string.Join('&', builder.Query.TrimStart('?').Split('&').Select(p => p.Split('=', 2)[0] + "="));
        return builder.Uri.ToString();
    }

    /// <summary>
    /// The secret parts of a URL, as written and decoded: user name, password, query values. Output lines that contain
    /// them are masked (pip prints query strings in full). Parts shorter than four characters are left out: masking
    /// them would hide ordinary text and they guard nothing.
    /// </summary>
    public static IEnumerable<string> SecretParts(string? url)
    {
        if (!Has(url)) return [];
        // from the text as written: Uri normalizes escapes, and output prints what was written
        var text = url!.Split('#', 2)[0];
        var authority = text.Split("://", 2)[1].Split('/', '?')[0];
        var userInfo = authority.Contains('@') ? authority[..authority.LastIndexOf('@')] : "";
        var query = text.Contains('?') ? text[(text.IndexOf('?') + 1)..] : "";
        var parts = userInfo.Split(':', 2).Concat(query.Split('&').Select(p => p.Split('=', 2) is [_, var v] ? v : ""));
        return parts.SelectMany(p => new[] { p, Uri.UnescapeDataString(p) }).Where(p => p.Length >= 4).Distinct();
    }

    static Uri? Parse(string? url) => url is not null && Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri : null;
}
