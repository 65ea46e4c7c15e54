using System.Text;
using System.Text.RegularExpressions;
using ImageTasks.Diagnostics;

namespace ImageTasks.Definition;

/// <summary>
/// PEP 508 requirement strings: <c>name[extras] specifier ; marker</c> and <c>name[extras] @ url ; marker</c>. A string
/// is parsed into a <see cref="PipPackage"/> whose parts are checked and normalized (markers re-written token by
/// token), so a value pip would not read, or one that tries to be something else (<c>x; rm -rf /</c>), is refused
/// here, before anything runs. pip gets the normalized requirement as one argument, never through a shell.
/// </summary>
public static partial class Pep508
{
    [GeneratedRegex(@"^(?<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[\s*(?<extras>[^\]]*)\])?")]
    private static partial Regex NameAndExtras();

    [GeneratedRegex(@"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")]
    private static partial Regex Identifier();

    /// <summary>The variables a marker may compare (PEP 508, with PEP 685's extra).</summary>
    public static readonly IReadOnlySet<string> MarkerVariables = new HashSet<string>(StringComparer.Ordinal)
    {
        "python_version", "python_full_version", "os_name", "sys_platform", "platform_release", "platform_system",
        "platform_version", "platform_machine", "platform_python_implementation", "implementation_name",
        "implementation_version", "extra",
    };

    /// <summary>URL schemes pip takes in a direct reference.</summary>
    private static readonly string[] UrlSchemes = ["http", "https", "file", "git+https", "git+http", "git+file"];

    /// <summary>Characters a URL of a requirement may not hold: a shell would give them meaning (none is run, but a
    /// value holding them is no URL the user meant), and quotes or brackets would end pip's own parsing of it.</summary>
    private const string UrlForbidden = ";|&$`'\"<>(){}\\!";

    /// <summary>Parses and checks one PEP 508 requirement (IMG1001 for its name, extras and URL, IMG1002 for its
    /// specifier and marker), with the reason.</summary>
    public static PipPackage Parse(string text)
    {
        var s = text.Trim();
        var head = NameAndExtras().Match(s);
        if (!head.Success)
            throw Fail(ErrorCodes.InvalidPipName, text, "it does not start with a project name (letters, digits and . _ -, starting and ending with a letter or digit)");
        var name = head.Groups["name"].Value;
        if (head.Groups["extras"].Success)
        {
            var extras = head.Groups["extras"].Value.Split(',').Select(e => e.Trim()).ToArray();
            if (extras.Any(e => !Identifier().IsMatch(e)))
                throw Fail(ErrorCodes.InvalidPipName, text, $"its extras [{head.Groups["extras"].Value}] are not a comma-separated list of names");
            name += "[" + string.Join(",", extras) + "]";
        }
        var rest = s[head.Length..].TrimStart();
        string? url = null, specifier = null, marker = null;
        if (rest.StartsWith('@'))
        {
            rest = rest[1..].TrimStart();
            var end = rest.IndexOfAny([' ', '\t']);
            url = end < 0 ? rest : rest[..end];
            rest = end < 0 ? "" : rest[end..].TrimStart();
            // a ';' right after the URL is taken into it by pip: PEP 508 asks for a space before the marker
            if (rest.Length > 0 && !rest.StartsWith(';'))
                throw Fail(ErrorCodes.InvalidPipName, text, $"\"{rest}\" follows the URL; only \" ; marker\" may");
            if (rest.Length > 0) marker = rest[1..];
            CheckUrl(url, text);
        }
        else
        {
            var semicolon = rest.IndexOf(';');
            specifier = (semicolon < 0 ? rest : rest[..semicolon]).Trim();
            if (semicolon >= 0) marker = rest[(semicolon + 1)..];
            if (specifier.StartsWith('(') && specifier.EndsWith(')')) specifier = specifier[1..^1].Trim();
            if (specifier.Length == 0) specifier = null;
            else if (!"<>=!~".Contains(specifier[0]))
                throw Fail(specifier.Any(char.IsWhiteSpace) || !char.IsDigit(specifier[0]) ? ErrorCodes.InvalidPipName : ErrorCodes.InvalidPipVersion, text,
                    $"\"{specifier}\" after the name is not a version specifier (\">=1.0\", \"==2.*\") nor \"@ URL\"");
        }
        var package = new PipPackage(name, specifier) { Url = url, Marker = marker is null ? null : NormalizeMarker(marker, text) };
        Validation.CheckPipPackage(package);
        return package;
    }

    /// <summary>A direct reference's URL: absolute http, https or file, no whitespace, no shell metacharacter, no credentials.</summary>
    public static void CheckUrl(string url, string requirement)
    {
        var bad = url.FirstOrDefault(c => UrlForbidden.Contains(c) || char.IsControl(c));
        if (bad != default)
            throw Fail(ErrorCodes.InvalidPipName, requirement, $"its URL \"{url}\" holds '{bad}', which no package URL needs; percent-encode it (%{(int)bad:X2}) if it is really part of the URL");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !UrlSchemes.Contains(uri.Scheme))
            throw Fail(ErrorCodes.InvalidPipName, requirement, $"its URL \"{url}\" is not an absolute {string.Join(", ", UrlSchemes)} URL");
        if (UrlCredentials.Has(url))
            throw Fail(ErrorCodes.InvalidPipName, requirement.Replace(url, UrlCredentials.Redact(url)!, StringComparison.Ordinal), $"its URL carries credentials, which would reach the command line, " +
                "the image history and the layer key; serve the file from an index given by IMAGETASKS_PIP_INDEX_URL instead");
    }

    /// <summary>
    /// A marker in one normal form (tokens separated by one space, strings in double quotes, no space inside
    /// parentheses), so the same marker written another way keys the same. IMG1002 when it is not a PEP 508 marker.
    /// </summary>
    public static string NormalizeMarker(string marker, string requirement)
    {
        var tokens = Tokenize(marker, requirement);
        var position = 0;
        var output = new List<string>();
        ParseOr(tokens, ref position, output, requirement, marker);
        if (position != tokens.Count)
            throw BadMarker(requirement, marker, $"\"{tokens[position].Text}\" is not expected there");
        var text = new StringBuilder();
        foreach (var token in output)
        {
            if (text.Length > 0 && text[^1] != '(' && token != ")") text.Append(' ');
            text.Append(token);
        }
        return text.ToString();
    }

    private enum Kind { Open, Close, Text, Operator, Word }

    private sealed record Token(Kind Kind, string Text);

    private static List<Token> Tokenize(string marker, string requirement)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < marker.Length)
        {
            var c = marker[i];
            if (c is ' ' or '\t') { i++; continue; }
            if (c == '(') { tokens.Add(new Token(Kind.Open, "(")); i++; continue; }
            if (c == ')') { tokens.Add(new Token(Kind.Close, ")")); i++; continue; }
            if (c is '"' or '\'')
            {
                var end = marker.IndexOf(c, i + 1);
                if (end < 0) throw BadMarker(requirement, marker, $"the string starting at {marker[i..]} is not closed");
                var value = marker[(i + 1)..end];
                if (value.Any(char.IsControl)) throw BadMarker(requirement, marker, "a string holds a control character");
                tokens.Add(new Token(Kind.Text, value));
                i = end + 1;
                continue;
            }
            if ("<>=!~".Contains(c))
            {
                var op = new[] { "===", "<=", ">=", "==", "!=", "~=", "<", ">" }.FirstOrDefault(o => string.CompareOrdinal(marker, i, o, 0, o.Length) == 0)
                    ?? throw BadMarker(requirement, marker, $"'{c}' is not a comparison operator");
                tokens.Add(new Token(Kind.Operator, op));
                i += op.Length;
                continue;
            }
            var start = i;
            while (i < marker.Length && (char.IsAsciiLetterOrDigit(marker[i]) || marker[i] is '_' or '.')) i++;
            if (i == start) throw BadMarker(requirement, marker, $"'{c}' has no place in a marker");
            tokens.Add(new Token(Kind.Word, marker[start..i]));
        }
        if (tokens.Count == 0) throw BadMarker(requirement, marker, "it is empty");
        return tokens;
    }

    private static void ParseOr(List<Token> tokens, ref int position, List<string> output, string requirement, string marker)
    {
        ParseAnd(tokens, ref position, output, requirement, marker);
        while (position < tokens.Count && tokens[position] is { Kind: Kind.Word, Text: "or" })
        {
            output.Add("or");
            position++;
            ParseAnd(tokens, ref position, output, requirement, marker);
        }
    }

    private static void ParseAnd(List<Token> tokens, ref int position, List<string> output, string requirement, string marker)
    {
        ParseExpression(tokens, ref position, output, requirement, marker);
        while (position < tokens.Count && tokens[position] is { Kind: Kind.Word, Text: "and" })
        {
            output.Add("and");
            position++;
            ParseExpression(tokens, ref position, output, requirement, marker);
        }
    }

    private static void ParseExpression(List<Token> tokens, ref int position, List<string> output, string requirement, string marker)
    {
        if (position < tokens.Count && tokens[position].Kind == Kind.Open)
        {
            output.Add("(");
            position++;
            ParseOr(tokens, ref position, output, requirement, marker);
            if (position >= tokens.Count || tokens[position].Kind != Kind.Close) throw BadMarker(requirement, marker, "a '(' is not closed");
            output.Add(")");
            position++;
            return;
        }
        output.Add(Value(tokens, ref position, requirement, marker));
        if (position < tokens.Count && tokens[position].Kind == Kind.Operator) output.Add(tokens[position++].Text);
        else if (position < tokens.Count && tokens[position] is { Kind: Kind.Word, Text: "in" }) { output.Add("in"); position++; }
        else if (position + 1 < tokens.Count && tokens[position] is { Kind: Kind.Word, Text: "not" } && tokens[position + 1] is { Kind: Kind.Word, Text: "in" })
        {
            output.Add("not in");
            position += 2;
        }
        else throw BadMarker(requirement, marker, position < tokens.Count
            ? $"\"{tokens[position].Text}\" is not a comparison (<, <=, ==, !=, >=, >, ~=, ===, in, not in)"
            : "it ends before a comparison");
        output.Add(Value(tokens, ref position, requirement, marker));
    }

    private static string Value(List<Token> tokens, ref int position, string requirement, string marker)
    {
        if (position >= tokens.Count) throw BadMarker(requirement, marker, "it ends where a variable or a quoted string should be");
        var token = tokens[position++];
        return token.Kind switch
        {
            Kind.Text => token.Text.Contains('"') ? "'" + token.Text + "'" : "\"" + token.Text + "\"",
            Kind.Word when MarkerVariables.Contains(token.Text) => token.Text,
            _ => throw BadMarker(requirement, marker, $"\"{token.Text}\" is neither a marker variable ({string.Join(", ", MarkerVariables)}) nor a quoted string"),
        };
    }

    private static ImageTasksException BadMarker(string requirement, string marker, string reason) =>
        Fail(ErrorCodes.InvalidPipVersion, requirement, $"its environment marker \"{marker.Trim()}\" is not a PEP 508 marker: {reason}. " +
            "Write a marker such as python_version < \"3.12\" or sys_platform == \"linux\" (MSBuild splits an Include at ';': escape it as %3B or give the marker in Marker metadata)");

    private static ImageTasksException Fail(string code, string requirement, string reason) =>
        new(code, $"The pip requirement \"{requirement}\" is not valid: {reason}.");
}
