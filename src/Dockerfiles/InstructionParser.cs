using System.Text;
using System.Text.Json;

namespace ImageTasks.Dockerfiles;

/// <summary>A heredoc marker such as <c>&lt;&lt;-"EOF"</c> found in an instruction, and where it is.</summary>
internal sealed record HeredocMarker(string Name, bool StripTabs, bool QuotedDelimiter, int Line, int Column);

/// <summary>
/// Turns one logical line into an <see cref="Instruction"/>: the name, the leading flags, and the arguments in the
/// shape that instruction uses. All positions are offsets into the logical line's text.
/// </summary>
internal sealed class InstructionParser(LogicalLine line, char escape, string? fileName)
{
    private static readonly HashSet<string> Keywords =
    [
        "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL",
        "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
    ];

    private readonly string text = line.Text;
    private readonly int end = line.Text.TrimEnd().Length;

    /// <summary>True for the instructions Docker knows; the parser keeps others (with no arguments) for the build to refuse.</summary>
    public static bool IsKnown(string keyword) => Keywords.Contains(keyword);

    /// <param name="readHeredoc">Reads the body of each heredoc marker found, in order.</param>
    public Instruction Parse(Func<HeredocMarker, string> readHeredoc) =>
        ParseAt(Words.SkipWhiteSpace(text, 0), readHeredoc, isTrigger: false);

    /// <summary>
    /// As buildkit's parser: any name is taken (an unknown one keeps no arguments), and any instruction may have no
    /// arguments; what an instruction needs is checked when the Dockerfile is built.
    /// </summary>
    private Instruction ParseAt(int start, Func<HeredocMarker, string>? readHeredoc, bool isTrigger)
    {
        int nameEnd = Words.WordEnd(text, start, escape: null);
        string keyword = text[start..nameEnd].ToUpperInvariant();
        int restStart = Words.SkipBlanks(text, nameEnd);
        var flags = ReadFlags(ref restStart);

        var (lineNumber, column) = line.PositionOf(start);
        var instruction = new Instruction
        {
            Keyword = keyword,
            Original = text[start..end],
            Flags = flags,
            Line = lineNumber,
            Column = column,
            EndLine = line.LastLine,
        };
        string rest = text[restStart..Math.Max(restStart, end)];
        if (rest.Length == 0 || !IsKnown(keyword))
            return instruction;
        return keyword switch
        {
            "RUN" or "CMD" or "ENTRYPOINT" or "SHELL" => WithHeredocs(MaybeJson(instruction, restStart, orWords: false), restStart, readHeredoc),
            "ADD" or "COPY" or "VOLUME" => WithHeredocs(MaybeJson(instruction, restStart, orWords: true), restStart, readHeredoc),
            "FROM" or "EXPOSE" => instruction with { Arguments = Texts(Words.SplitOnBlanks(rest, 0)) },
            "ARG" => instruction with { Arguments = Texts(Words.SplitShellWords(rest, 0, escape)) },
            "ENV" or "LABEL" => WithPairs(instruction, restStart),
            "HEALTHCHECK" => WithHealthcheck(instruction, restStart),
            "ONBUILD" => instruction with { Trigger = ParseAt(restStart, isTrigger ? null : readHeredoc, isTrigger: true) },
            _ => instruction with { Arguments = [rest] }, // MAINTAINER, USER, WORKDIR, STOPSIGNAL
        };
    }

    /// <summary>
    /// Reads leading <c>--name</c> / <c>--name=value</c> words as buildkit does: quotes are removed and a backslash
    /// (whatever the escape directive says) keeps the next character; a lone <c>--</c> ends them.
    /// </summary>
    private List<string> ReadFlags(ref int position)
    {
        var flags = new List<string>();
        while (string.CompareOrdinal(text, position, "--", 0, 2) == 0 && position + 2 <= end)
        {
            string flag = ReadFlag(ref position);
            position = Words.SkipWhiteSpace(text, position);
            if (flag == "--")
                break;
            flags.Add(flag);
        }
        return flags;
    }

    private string ReadFlag(ref int position)
    {
        var flag = new StringBuilder();
        char quote = '\0';
        for (; position < end; position++)
        {
            char c = text[position];
            if (quote == '\0' && char.IsWhiteSpace(c))
                break;
            if (quote == '\0' ? c is '"' or '\'' : c == quote)
            {
                quote = quote == '\0' ? c : '\0';
                continue;
            }
            if (c == '\\')
            {
                if (position + 1 == end)
                    break;
                c = text[++position];
            }
            flag.Append(c);
        }
        return flag.ToString();
    }

    /// <summary>
    /// JSON (exec) form when the arguments are a JSON array of strings; otherwise, as Docker does, the shell form:
    /// the whole text as one argument, or its blank-separated words for COPY, ADD and VOLUME.
    /// </summary>
    private Instruction MaybeJson(Instruction instruction, int from, bool orWords)
    {
        string rest = text[from..end];
        if (TryParseJsonStrings(rest, from, out var values))
            return instruction with { Arguments = values, IsJson = true };
        return instruction with { Arguments = orWords ? Texts(Words.SplitOnBlanks(rest, 0)) : [rest] };
    }

    /// <summary>
    /// As buildkit: a valid JSON array is the exec form; one holding anything but strings is an error; anything else
    /// (invalid JSON) is the shell form.
    /// </summary>
    private bool TryParseJsonStrings(string rest, int from, out List<string> values)
    {
        values = [];
        if (!rest.StartsWith('['))
            return false;
        try
        {
            using var json = JsonDocument.Parse(rest);
            foreach (var element in json.RootElement.EnumerateArray())
            {
                if (element.ValueKind != JsonValueKind.String)
                    throw Error($"The JSON array {rest} holds {element.GetRawText()}, which is not a string. In the exec form " +
                                "every item must be a string in double quotes, e.g. [\"sleep\", \"10\"].", from);
                values.Add(element.GetString()!);
            }
            return true;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>RUN, COPY and ADD in shell form: a word like <c>&lt;&lt;EOF</c> starts a heredoc after the line.</summary>
    private Instruction WithHeredocs(Instruction instruction, int restStart, Func<HeredocMarker, string>? readHeredoc)
    {
        if (readHeredoc == null || instruction.IsJson || instruction.Keyword is not ("RUN" or "COPY" or "ADD"))
            return instruction;
        var heredocs = new List<Heredoc>();
        foreach (var word in Words.SplitShellWords(text, restStart, escape))
        {
            if (TryReadMarker(word) is { } marker)
                heredocs.Add(new Heredoc(marker.Name, readHeredoc(marker), marker.StripTabs, marker.QuotedDelimiter));
        }
        return instruction with { Heredocs = heredocs };
    }

    /// <summary>
    /// Recognises <c>&lt;&lt;EOF</c>, <c>&lt;&lt;-EOF</c>, <c>&lt;&lt;"EOF"</c> and <c>&lt;&lt;'EOF'</c>, after a file
    /// descriptor number if any (<c>3&lt;&lt;EOF</c>); as buildkit, not when a further <c>&lt;</c> follows (<c>&lt;&lt;&lt;</c>).
    /// </summary>
    private HeredocMarker? TryReadMarker(Word word)
    {
        string w = word.Text.TrimStart("0123456789".ToCharArray());
        if (!w.StartsWith("<<", StringComparison.Ordinal) || w.IndexOf('<', 2) >= 0)
            return null;
        bool stripTabs = w.Length > 2 && w[2] == '-';
        string delimiter = w[(stripTabs ? 3 : 2)..];
        bool quoted = delimiter.Length > 1 && delimiter[0] is '"' or '\'' && delimiter.IndexOf(delimiter[0], 1) > 0;
        string name = quoted
            ? delimiter[1..delimiter.IndexOf(delimiter[0], 1)]
            : new string(delimiter.TakeWhile(c => c != escape && !"<>|&;()'\"".Contains(c)).ToArray());
        if (name.Length == 0)
            return null;
        var (lineNumber, column) = line.PositionOf(word.Offset);
        return new HeredocMarker(name, stripTabs, quoted, lineNumber, column);
    }

    /// <summary>
    /// ENV and LABEL: <c>name=value ...</c> pairs, or, when the first word has no <c>=</c>, the legacy
    /// <c>name value</c>: as buildkit, the name up to the first blank and the value the rest of the line.
    /// An empty name (<c>=value</c>) is the build's to refuse.
    /// </summary>
    private Instruction WithPairs(Instruction instruction, int restStart)
    {
        string keyword = instruction.Keyword;
        var words = Words.SplitShellWords(text[..end], restStart, escape);
        bool legacy = !words[0].Text.Contains('=');
        var pairs = legacy ? [LegacyPair(keyword, restStart)] : words.Select(word => Pair(keyword, word)).ToList();
        return instruction with
        {
            Pairs = pairs,
            IsLegacyPairForm = legacy,
            Arguments = pairs.SelectMany(p => new[] { p.Name, p.Value }).ToList(),
        };
    }

    private NameValue LegacyPair(string keyword, int restStart)
    {
        int nameEnd = Words.WordEnd(text, restStart, escape: null);
        string name = text[restStart..Math.Min(nameEnd, end)];
        string value = text[Math.Min(Words.SkipBlanks(text, nameEnd), end)..end];
        if (value.Length == 0)
            throw Error($"{keyword} {name} has no value. Write '{keyword} {name}=value'.", restStart);
        return new NameValue(name, value);
    }

    private NameValue Pair(string keyword, Word word)
    {
        int equals = word.Text.IndexOf('=');
        if (equals < 0)
            throw Error($"'{word.Text}' in {keyword} is not of the form name=value. Write name=value, and quote " +
                        $"values holding spaces (name=\"a b\").", word.Offset);
        return new NameValue(word.Text[..equals], word.Text[(equals + 1)..]);
    }

    /// <summary>
    /// HEALTHCHECK: the type word (NONE or CMD, as written), then the command in shell or JSON form, if any. As
    /// buildkit's parser, any type and any command are taken; the build checks them.
    /// </summary>
    private Instruction WithHealthcheck(Instruction instruction, int restStart)
    {
        int typeEnd = Words.WordEnd(text, restStart, escape: null);
        string type = text[restStart..Math.Min(typeEnd, end)];
        int commandStart = Math.Min(Words.SkipWhiteSpace(text, typeEnd), end);
        if (commandStart == end)
            return instruction with { Arguments = [type] };
        var check = MaybeJson(instruction, commandStart, orWords: false);
        return check with { Arguments = [type, .. check.Arguments] };
    }

    private static List<string> Texts(List<Word> words) => words.Select(w => w.Text).ToList();

    private DockerfileSyntaxException Error(string message, int offset)
    {
        var (lineNumber, column) = line.PositionOf(offset);
        return new DockerfileSyntaxException(DockerfileErrorCodes.SyntaxError, message, fileName, lineNumber, column);
    }
}
