using System.Text.RegularExpressions;
using ImageTasks.Diagnostics;
using NuGet.Versioning;

namespace ImageTasks.Definition;

/// <summary>Checks of user values, run when the definition is made. Each failure is an ImageTasksException with an IMG1xxx code.</summary>
public static partial class Validation
{
    // PEP 508 / PEP 503 project name, optionally with extras: name[extra1,extra2].
    [GeneratedRegex(@"^(?<name>[A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])(\[([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])(,([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9]))*\])?$", RegexOptions.IgnoreCase)]
    private static partial Regex PipName();

    // A PEP 440 version: [N!]N(.N)*[{a|b|rc|...}N][.postN][.devN][+local], with an optional ".*" suffix (== and != only).
    [GeneratedRegex(@"^v?(\d+!)?\d+(\.\d+)*([-_.]?(a|alpha|b|beta|c|rc|pre|preview)[-_.]?\d*)?(-\d+|[-_.]?(post|rev|r)[-_.]?\d*)?([-_.]?dev[-_.]?\d*)?(\+[a-z0-9]+([-_.][a-z0-9]+)*)?(?<wildcard>\.\*)?$", RegexOptions.IgnoreCase)]
    private static partial Regex Pep440Version();

    [GeneratedRegex(@"[-_.]+")]
    private static partial Regex PipNameSeparators();

    /// <summary>PEP 503: runs of - _ . become one -, all lowercase ("Foo__Bar.baz" -> "foo-bar-baz").</summary>
    public static string NormalizePipName(string name) => PipNameSeparators().Replace(name, "-").ToLowerInvariant();

    [GeneratedRegex(@"^(?<op>===|~=|==|!=|<=|>=|<|>)\s*(?<version>\S+)$")]
    private static partial Regex Pep440Clause();

    [GeneratedRegex(@"^[a-z0-9][a-z0-9+.-]+(:[a-z0-9-]+)?$")]
    private static partial Regex AptName();

    // [epoch:]upstream[-revision]; upstream starts with a digit.
    [GeneratedRegex(@"^(\d+:)?\d[A-Za-z0-9.+~]*(-[A-Za-z0-9.+~]+)*$")]
    private static partial Regex AptVersion();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvironmentName();

    [GeneratedRegex(@"^(?<port>\d{1,5})(/(tcp|udp))?$")]
    private static partial Regex Port();

    [GeneratedRegex(@"^[0-7]{3,4}$")]
    private static partial Regex Mode();

    // uid or name, optionally :gid or :group.
    [GeneratedRegex(@"^(\d+|[A-Za-z_][A-Za-z0-9_.-]*)(:(\d+|[A-Za-z_][A-Za-z0-9_.-]*))?$")]
    private static partial Regex Owner();

    // A copy's owner goes into the layer's tar headers, which carry numbers: the image's /etc/passwd is not read.
    [GeneratedRegex(@"^\d+(:\d+)?$")]
    private static partial Regex NumericOwner();

    private const string PipVersionForms =
        "Use a PEP 440 specifier (\"==1.2\", \">=2.0,<3.0\", \"~=1.4\", \"!=1.5.*\"), a bare version (\"1.2.3\", meaning ==1.2.3) " +
        "or a NuGet version range (\"[2.0,3.0)\", \"[1.0]\", \"(,2.0]\").";

    public static void CheckAptPackage(AptPackage package)
    {
        if (!AptName().IsMatch(package.Name))
            throw Fail(ErrorCodes.InvalidAptName, $"The apt package name \"{package.Name}\" is not a valid Debian package name. " +
                "Use lowercase letters, digits and + . - (at least two characters, starting with a letter or digit), optionally followed by :arch (\"libssl-dev\", \"gcc:amd64\").");
        if (package.Version is not null && !AptVersion().IsMatch(package.Version))
            throw Fail(ErrorCodes.InvalidAptVersion, $"The version \"{package.Version}\" of apt package \"{package.Name}\" is not a Debian version. " +
                "Use [epoch:]upstream[-revision] without spaces or wildcards, as apt-cache policy shows it (\"1.2.3-1\", \"1:2.0~rc1-2\").");
    }

    /// <summary>Checks the name and that <see cref="PipPackage.Specifier"/> is a normalized PEP 440 specifier set.</summary>
    public static void CheckPipPackage(PipPackage package)
    {
        if (!PipName().IsMatch(package.Name))
            throw Fail(ErrorCodes.InvalidPipName, $"The pip package name \"{package.Name}\" is not a valid PEP 508 project name. " +
                "Use letters, digits and . _ - (starting and ending with a letter or digit), optionally with extras: \"requests\", \"uvicorn[standard]\".");
        if (package.Specifier is not null && ToPep440(package.Specifier) != package.Specifier)
            throw Fail(ErrorCodes.InvalidPipVersion, $"The specifier \"{package.Specifier}\" of pip package \"{package.Name}\" is not normalized. " +
                $"Make the package with PipPackage.Create or its constructor, which translate it to \"{ToPep440(package.Specifier)}\".");
        if (package.Url is not null && package.Specifier is not null)
            throw Fail(ErrorCodes.InvalidPipVersion, $"The pip package \"{package.Name}\" has both a version (\"{package.Specifier}\") and a URL ({package.Url}); " +
                "a direct reference names one file. Remove the version, or the URL.");
        if (package.Url is not null) Pep508.CheckUrl(package.Url, package.Name + " @ " + package.Url);
        if (package.Marker is not null && Pep508.NormalizeMarker(package.Marker, package.Requirement) != package.Marker)
            throw Fail(ErrorCodes.InvalidPipVersion, $"The marker \"{package.Marker}\" of pip package \"{package.Name}\" is not normalized. " +
                $"Give it through Pep508.Parse or Pep508.NormalizeMarker, which write it as \"{Pep508.NormalizeMarker(package.Marker, package.Requirement)}\".");
    }

    public static void CheckPipOptions(PipOptions options)
    {
        if (options.IndexUrl is not null) CheckUrl(options.IndexUrl, "index URL", allowPath: false);
        foreach (var url in options.ExtraIndexUrls) CheckUrl(url, "extra index URL", allowPath: false);
        foreach (var link in options.FindLinks) CheckUrl(link, "find-links location", allowPath: true);
        foreach (var option in options.ExtraOptions)
        {
            // "--timeout 60" would reach pip as one argument: ask for "--timeout=60".
            var optionName = option.Split('=', 2)[0];
            if (!option.StartsWith('-') || optionName.Any(char.IsWhiteSpace))
                throw Fail(ErrorCodes.InvalidPipOption, $"The pip option \"{option}\" is not one option argument. " +
                    "Give each option as one item starting with '-', with its value after '=' (\"--timeout=60\", \"--no-deps\").");
            if (IsIndexOption(optionName))
                throw Fail(ErrorCodes.InvalidPipOption, $"The pip option \"{optionName}\" in ExtraOptions sets an index or find-links location, " +
                    "which would put its URL (and any token in it) on the command line, in the image history and in the layer key. " +
                    "Use ImagePipIndexUrl, ImagePipExtraIndexUrls or ImagePipFindLinks (or the IndexUrl, ExtraIndexUrls, FindLinks metadata) instead.");
            if (option.Split('=', 2) is [_, var value] && UrlCredentials.Has(value))
                throw Fail(ErrorCodes.InvalidPipOption, $"The pip option \"{optionName}\" in ExtraOptions carries a URL with credentials ({UrlCredentials.Redact(value)}), " +
                    "which would reach the command line, the image history and the layer key. Give credentials to pip another way (a pip.conf or netrc in the base image's build, or an index property).");
        }
    }

    /// <summary>pip's index options, also abbreviated (pip accepts any unambiguous prefix of a long option) and as
    /// short options alone or in a group (-i URL, -qf URL).</summary>
    private static bool IsIndexOption(string name) => name.StartsWith("--", StringComparison.Ordinal)
        ? name.Length > 3 && new[] { "--index-url", "--extra-index-url", "--find-links" }.Any(o => o.StartsWith(name, StringComparison.Ordinal))
        : name.Length > 1 && name[1..].TakeWhile(char.IsAsciiLetter).Any(c => c is 'i' or 'f');

    private static void CheckUrl(string text, string what, bool allowPath)
    {
        var isUrl = text.Contains("://", StringComparison.Ordinal) && !text.Any(char.IsWhiteSpace)
            && Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" or "file";
        if (!isUrl && !(allowPath && text.StartsWith('/') && !text.Contains('\n')))
            throw Fail(ErrorCodes.InvalidPipOption, $"The pip {what} \"{text}\" is not an absolute http, https or file URL" +
                (allowPath ? " nor an absolute path in the image" : "") + ". Use a full URL such as \"https://pypi.example.com/simple\"" +
                (allowPath ? " or a path such as \"/wheels\"." : "."));
    }

    public static void CheckCopy(CopyStep step)
    {
        if (step.Sources.Count == 0)
            throw Fail(ErrorCodes.InvalidCopySource, $"The copy to \"{step.Destination}\" has no source. Give at least one file or folder to copy, or remove the item.");
        foreach (var source in step.Sources)
        {
            if (string.IsNullOrWhiteSpace(source.HostPath) || !Path.IsPathFullyQualified(source.HostPath))
                throw Fail(ErrorCodes.InvalidCopySource, $"The copy source \"{source.HostPath}\" is not an absolute host path. Give the full path of a file or folder.");
            if (source.TargetName is not null && (source.TargetName.Length == 0 || source.TargetName.StartsWith('/') || HasDotDot(source.TargetName)))
                throw Fail(ErrorCodes.InvalidCopySource, $"The target name \"{source.TargetName}\" of copy source \"{source.HostPath}\" is not a relative path. " +
                    "Give a name under the destination folder (\"config.json\", \"conf/app.json\") without '..', or leave it empty.");
        }
        CheckCopyDestination(step.Destination);
        if (step.Mode is not null && !Mode().IsMatch(step.Mode))
            throw Fail(ErrorCodes.InvalidMode, $"The file mode \"{step.Mode}\" is not an octal mode. Use 3 or 4 octal digits, such as \"0644\" or \"755\".");
        if (step.Owner is not null && !NumericOwner().IsMatch(step.Owner))
            throw Fail(ErrorCodes.InvalidOwner, $"The copy owner \"{step.Owner}\" is not a numeric uid[:gid]. Files are owned by numbers in a layer: " +
                "use the ids of the user (\"1000:1000\"; `id app` in the image tells them).");
    }

    /// <summary>A copy destination as the user gave it (a folder, or the full path of a file), checked before it is
    /// split into folder and name, so an error quotes the whole value.</summary>
    public static void CheckCopyDestination(string destination) =>
        CheckAbsolutePosixPath(destination, ErrorCodes.InvalidDestination, "copy destination");

    public static void CheckConfig(ConfigStep step)
    {
        foreach (var (name, _) in step.Environment)
            if (!EnvironmentName().IsMatch(name))
                throw Fail(ErrorCodes.InvalidEnvironmentName, $"The environment variable name \"{name}\" is not valid. " +
                    "Use letters, digits and '_', not starting with a digit (\"APP_MODE\").");
        foreach (var port in step.ExposedPorts)
        {
            var match = Port().Match(port);
            if (!match.Success || int.Parse(match.Groups["port"].Value, System.Globalization.CultureInfo.InvariantCulture) is < 1 or > 65535)
                throw Fail(ErrorCodes.InvalidPort, $"The exposed port \"{port}\" is not valid. Use a number from 1 to 65535, optionally with /tcp or /udp (\"8080\", \"53/udp\").");
        }
        foreach (var (key, _) in step.Labels)
            if (key.Length == 0 || key.Any(char.IsWhiteSpace))
                throw Fail(ErrorCodes.InvalidLabel, $"The label key \"{key}\" is empty or has spaces. Use a key without whitespace (\"org.opencontainers.image.source\").");
        if (step.WorkingDirectory is not null)
            CheckAbsolutePosixPath(step.WorkingDirectory, ErrorCodes.InvalidWorkingDirectory, "working directory");
        if (step.User is not null) CheckOwner(step.User, "user");
    }

    private static void CheckAbsolutePosixPath(string path, string code, string what)
    {
        if (!path.StartsWith('/') || path.Contains('\\') || path.Contains('\0') || HasDotDot(path))
            throw Fail(code, $"The {what} \"{path}\" is not an absolute path in the image. Use a '/'-separated path starting with '/' and without '..' segments (\"/app\").");
    }

    private static bool HasDotDot(string path) => path.Split('/').Contains("..");

    private static void CheckOwner(string owner, string what)
    {
        if (!Owner().IsMatch(owner))
            throw Fail(ErrorCodes.InvalidOwner, $"The {what} \"{owner}\" is not valid. Use user[:group], each a number or a name (\"1000:1000\", \"app\", \"app:app\").");
    }

    /// <summary>
    /// A user's version text for pip: a PEP 440 specifier set normalized (no spaces), a bare version as ==, a NuGet
    /// range translated (<c>[2.0,3.0)</c> -> <c>&gt;=2.0,&lt;3.0</c>). Null or blank: null (any version). Bad text: IMG1002.
    /// </summary>
    public static string? ToPep440(string? version)
    {
        if (string.IsNullOrWhiteSpace(version)) return null;
        var text = version.Trim();
        if (text[0] is '[' or '(') return FromNuGetRange(text);
        if (Pep440Version().Match(text) is { Success: true } bare && !bare.Groups["wildcard"].Success) return "==" + text;
        var clauses = text.Split(',').Select(c => NormalizeClause(c.Trim()));
        return clauses.Contains(null) ? throw BadPipVersion(version) : string.Join(",", clauses);
    }

    private static string? NormalizeClause(string clause)
    {
        var match = Pep440Clause().Match(clause);
        if (!match.Success) return null;
        var (op, version) = (match.Groups["op"].Value, match.Groups["version"].Value);
        if (op == "===") return op + version; // arbitrary equality: any text without spaces
        var parsed = Pep440Version().Match(version);
        var wildcard = parsed.Groups["wildcard"].Success;
        var valid = parsed.Success
            && (!wildcard || op is "==" or "!=")
            && (!version.Contains('+') || op is "==" or "!=")
            && (op != "~=" || version.Split('+')[0].Contains('.'));
        return valid ? op + version : null;
    }

    private static string FromNuGetRange(string text)
    {
        if (!VersionRange.TryParse(text, allowFloating: false, out var range) || (range.MinVersion is null && range.MaxVersion is null))
            throw BadPipVersion(text);
        string Text(NuGetVersion v) => v.OriginalVersion ?? v.ToNormalizedString();
        string result;
        if (range.MinVersion is not null && range.MinVersion == range.MaxVersion && range.IsMinInclusive && range.IsMaxInclusive)
            result = "==" + Text(range.MinVersion);
        else
        {
            var parts = new List<string>();
            if (range.MinVersion is not null) parts.Add((range.IsMinInclusive ? ">=" : ">") + Text(range.MinVersion));
            if (range.MaxVersion is not null) parts.Add((range.IsMaxInclusive ? "<=" : "<") + Text(range.MaxVersion));
            result = string.Join(",", parts);
        }
        // A NuGet version that PEP 440 cannot read (1.0.0-foo) is refused here too.
        return result.Split(',').All(c => NormalizeClause(c) is not null) ? result : throw BadPipVersion(text);
    }

    private static ImageTasksException BadPipVersion(string version) =>
        Fail(ErrorCodes.InvalidPipVersion, $"The pip version \"{version}\" is not a version, a PEP 440 specifier or a NuGet version range. " + PipVersionForms);

    private static ImageTasksException Fail(string code, string message) => new(code, message);
}
