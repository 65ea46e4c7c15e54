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
    private readonly int end = line.Text.TrimEnd(Words.Blanks).Length;

    /// <param name="readHeredoc">Reads the body of each heredoc marker found, in order.</param>
    public Instruction Parse(Func<HeredocMarker, string> readHeredoc) => ParseAt(0, readHeredoc);

    private Instruction ParseAt(int start, Func<HeredocMarker, string>? readHeredoc)
    {
        int nameEnd = Words.WordEnd(text, start, escape: null);
        string keyword = text[start..nameEnd].ToUpperInvariant();
        if (!Keywords.Contains(keyword))
            throw Error($"Unknown instruction '{text[start..nameEnd]}'. Each instruction must start with a name such as " +
                        $"FROM, RUN, COPY or ENV; if this line continues the one before, end that line with '{escape}'.", start);

        int restStart = Words.SkipBlanks(text, nameEnd);
        var flags = ReadFlags(ref restStart);
        if (restStart >= end)
            throw Error($"{keyword} has no arguments. Write what it should do after the name, e.g. '{keyword} ...'.", start);

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
        string rest = text[restStart..end];
        return keyword switch
        {
            "RUN" or "CMD" or "ENTRYPOINT" or "SHELL" => WithHeredocs(MaybeJson(instruction, rest, orWords: false), restStart, readHeredoc),
            "ADD" or "COPY" or "VOLUME" => WithHeredocs(MaybeJson(instruction, rest, orWords: true), restStart, readHeredoc),
            "FROM" or "EXPOSE" => instruction with { Arguments = Texts(Words.SplitOnBlanks(text, restStart)) },
            "ARG" => instruction with { Arguments = Texts(Words.SplitShellWords(text, restStart, escape)) },
            "ENV" or "LABEL" => WithPairs(instruction, restStart),
            "HEALTHCHECK" => WithHealthcheck(instruction, restStart),
            "ONBUILD" => WithTrigger(instruction, restStart),
            _ => instruction with { Arguments = [rest] }, // MAINTAINER, USER, WORKDIR, STOPSIGNAL
        };
    }

    /// <summary>Reads leading <c>--name</c> / <c>--name=value</c> words; a lone <c>--</c> ends them.</summary>
    private List<string> ReadFlags(ref int position)
    {
        var flags = new List<string>();
        while (string.CompareOrdinal(text, position, "--", 0, 2) == 0)
        {
            int flagEnd = Words.WordEnd(text, position, escape);
            string flag = text[position..flagEnd];
            position = Words.SkipBlanks(text, flagEnd);
            if (flag == "--")
                break;
            flags.Add(flag);
        }
        return flags;
    }

    /// <summary>
    /// JSON (exec) form when the arguments are a JSON array of strings; otherwise, as Docker does, the shell form:
    /// the whole text as one argument, or its blank-separated words for COPY, ADD and VOLUME.
    /// </summary>
    private Instruction MaybeJson(Instruction instruction, string rest, bool orWords)
    {
        if (TryParseJsonStrings(rest, out var values))
            return instruction with { Arguments = values, IsJson = true };
        return instruction with { Arguments = orWords ? Texts(Words.SplitOnBlanks(rest, 0)) : [rest] };
    }

    private static bool TryParseJsonStrings(string rest, out List<string> values)
    {
        values = [];
        if (!rest.StartsWith('['))
            return false;
        try
        {
            using var json = JsonDocument.Parse(rest);
            if (json.RootElement.ValueKind != JsonValueKind.Array)
                return false;
            foreach (var element in json.RootElement.EnumerateArray())
            {
                if (element.ValueKind != JsonValueKind.String)
                    return false;
                values.Add(element.GetString()!);
            }
            return true;
        }
        catch (JsonException)
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

    /// <summary>Recognises <c>&lt;&lt;EOF</c>, <c>&lt;&lt;-EOF</c>, <c>&lt;&lt;"EOF"</c> and <c>&lt;&lt;'EOF'</c> (not <c>&lt;&lt;&lt;</c>).</summary>
    private HeredocMarker? TryReadMarker(Word word)
    {
        string w = word.Text;
        if (!w.StartsWith("<<", StringComparison.Ordinal) || w.StartsWith("<<<", StringComparison.Ordinal))
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

    /// <summary>ENV and LABEL: <c>name=value ...</c> pairs, or the legacy <c>name value</c> (value = rest of line).</summary>
    private Instruction WithPairs(Instruction instruction, int restStart)
    {
        string keyword = instruction.Keyword;
        var words = Words.SplitShellWords(text, restStart, escape);
        bool legacy = !words[0].Text.Contains('=');
        var pairs = legacy ? [LegacyPair(keyword, words[0])] : words.Select(word => Pair(keyword, word)).ToList();
        return instruction with
        {
            Pairs = pairs,
            IsLegacyPairForm = legacy,
            Arguments = pairs.SelectMany(p => new[] { p.Name, p.Value }).ToList(),
        };
    }

    /// <summary>The legacy <c>ENV name value</c> form: the value is the rest of the line, blanks included.</summary>
    private NameValue LegacyPair(string keyword, Word name)
    {
        string value = text[Words.SkipBlanks(text, name.End)..end];
        if (value.Length == 0)
            throw Error($"{keyword} {name.Text} has no value. Write '{keyword} {name.Text}=value'.", name.Offset);
        return new NameValue(name.Text, value);
    }

    private NameValue Pair(string keyword, Word word)
    {
        int equals = word.Text.IndexOf('=');
        if (equals < 0)
            throw Error($"'{word.Text}' in {keyword} is not of the form name=value. Write name=value, and quote " +
                        $"values holding spaces (name=\"a b\").", word.Offset);
        if (equals == 0)
            throw Error($"'{word.Text}' in {keyword} has no name before '='. Write name=value.", word.Offset);
        return new NameValue(word.Text[..equals], word.Text[(equals + 1)..]);
    }

    /// <summary>HEALTHCHECK NONE, or HEALTHCHECK [flags] CMD command (shell or JSON form).</summary>
    private Instruction WithHealthcheck(Instruction instruction, int restStart)
    {
        int typeEnd = Words.WordEnd(text, restStart, escape: null);
        string type = text[restStart..typeEnd];
        int commandStart = Words.SkipBlanks(text, typeEnd);
        string command = text[commandStart..end];
        switch (type.ToUpperInvariant())
        {
            case "NONE" when command.Length == 0:
                return instruction with { Arguments = [type] };
            case "NONE":
                throw Error($"HEALTHCHECK NONE takes no arguments. Remove '{command}'.", commandStart);
            case "CMD" when command.Length == 0:
                throw Error("HEALTHCHECK CMD has no command. Write the command after CMD.", restStart);
            case "CMD":
                var check = MaybeJson(instruction, command, orWords: false);
                return check with { Arguments = [type, .. check.Arguments] };
            default:
                throw Error($"HEALTHCHECK must be followed by NONE or CMD, not '{type}'. " +
                            "Write 'HEALTHCHECK [--interval=...] CMD command' or 'HEALTHCHECK NONE'.", restStart);
        }
    }

    /// <summary>ONBUILD: the rest of the line is an instruction of its own (not ONBUILD, FROM or MAINTAINER).</summary>
    private Instruction WithTrigger(Instruction instruction, int restStart)
    {
        var trigger = ParseAt(restStart, readHeredoc: null);
        if (trigger.Keyword is "ONBUILD" or "FROM" or "MAINTAINER")
            throw Error($"ONBUILD cannot wrap {trigger.Keyword}. Use it with another instruction, e.g. 'ONBUILD RUN ...'.", restStart);
        return instruction with { Trigger = trigger };
    }

    private static List<string> Texts(List<Word> words) => words.Select(w => w.Text).ToList();

    private DockerfileSyntaxException Error(string message, int offset)
    {
        var (lineNumber, column) = line.PositionOf(offset);
        return new DockerfileSyntaxException(DockerfileErrorCodes.SyntaxError, message, fileName, lineNumber, column);
    }
}
