using System.Text;
using System.Text.RegularExpressions;

namespace ImageTasks.Dockerfiles;

/// <summary>Parses Dockerfile text into a <see cref="DockerfileDocument"/>.</summary>
public static class DockerfileParser
{
    /// <summary>Parses a whole Dockerfile.</summary>
    /// <param name="text">The Dockerfile's content.</param>
    /// <param name="fileName">The file name errors should name, if any.</param>
    /// <exception cref="DockerfileSyntaxException">The text is not a valid Dockerfile.</exception>
    public static DockerfileDocument Parse(string text, string? fileName = null) =>
        new DockerfileReader(text, fileName).Read();

    /// <summary>
    /// True for an instruction name Docker knows (uppercase). <see cref="Parse"/> keeps unknown ones too, as buildkit's
    /// parser does; building refuses them.
    /// </summary>
    public static bool IsInstruction(string keyword) => InstructionParser.IsKnown(keyword);
}

/// <summary>
/// The line-level work of parsing: parser directives at the top, skipping comments and blank lines, joining
/// continuation lines into one logical line per instruction, and reading heredoc bodies after it.
/// </summary>
internal sealed class DockerfileReader
{
    // "# name=value" with optional blanks around the name, "=" and value.
    private static readonly Regex DirectivePattern =
        new(@"^#[ \t]*([A-Za-z][A-Za-z0-9]*)[ \t]*=[ \t]*(.+?)[ \t]*$", RegexOptions.CultureInvariant);

    private static readonly string[] KnownDirectives = ["syntax", "escape", "check"];

    private readonly string[] lines;
    private readonly string? fileName;
    private char escape = '\\';
    private int next; // index of the next unread line

    public DockerfileReader(string text, string? fileName)
    {
        lines = text.TrimStart('\uFEFF').Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        this.fileName = fileName;
    }

    public DockerfileDocument Read()
    {
        var directives = ReadDirectives();
        var instructions = new List<Instruction>();
        while (SkipBlankAndCommentLines())
        {
            var line = ReadLogicalLine();
            var instruction = new InstructionParser(line, escape, fileName).Parse(ReadHeredoc);
            instructions.Add(instruction with { EndLine = next });
        }
        return new DockerfileDocument
        {
            Escape = escape,
            Syntax = directives.GetValueOrDefault("syntax"),
            Directives = directives,
            Instructions = instructions,
        };
    }

    /// <summary>
    /// Directives are only recognised in the first lines, before any blank line, comment or instruction.
    /// An unknown directive counts as a comment, so known ones after it are comments too.
    /// The lines stay unread: the main loop skips them as comments.
    /// </summary>
    private Dictionary<string, string> ReadDirectives()
    {
        var directives = new Dictionary<string, string>();
        for (int i = 0; i < lines.Length; i++)
        {
            var match = DirectivePattern.Match(lines[i]);
            string name = match.Groups[1].Value.ToLowerInvariant();
            if (!match.Success || !KnownDirectives.Contains(name))
                break;
            string value = match.Groups[2].Value;
            if (directives.ContainsKey(name))
                throw DirectiveError($"The parser directive '{name}' is given twice. Keep only one '# {name}=' line.", i);
            if (name == "escape")
            {
                if (value is not ("`" or "\\"))
                    throw DirectiveError($"The escape directive accepts only ` or \\, not '{value}'. Write '# escape=`' or '# escape=\\'.", i);
                escape = value[0];
            }
            directives[name] = value;
        }
        return directives;
    }

    private DockerfileSyntaxException DirectiveError(string message, int lineIndex) =>
        new(DockerfileErrorCodes.InvalidDirective, message, fileName, lineIndex + 1, 1);

    /// <summary>Moves past blank and comment lines; false at the end of the file.</summary>
    private bool SkipBlankAndCommentLines()
    {
        while (next < lines.Length && IsBlankOrComment(lines[next]))
            next++;
        return next < lines.Length;
    }

    // As buildkit: any Unicode white space before the first character counts.
    private static bool IsBlankOrComment(string line)
    {
        int start = Words.SkipWhiteSpace(line, 0);
        return start == line.Length || line[start] == '#';
    }

    /// <summary>
    /// Reads an instruction's line and, while a line ends with the escape character (blanks after it allowed),
    /// the lines continuing it. Comment and blank lines between continuation lines are skipped. Continuation
    /// lines keep their leading blanks; the escape character and what follows it are dropped.
    /// </summary>
    private LogicalLine ReadLogicalLine()
    {
        var logical = new LogicalLine();
        string line = lines[next];
        int column = Words.SkipWhiteSpace(line, 0);
        while (true)
        {
            string content = line[column..];
            bool continues = EndsWithEscape(content, out string body);
            logical.Append(continues ? body : content, next + 1, column + 1);
            next++;
            if (!continues || !SkipBlankAndCommentLines())
                return logical;
            line = lines[next];
            column = 0;
        }
    }

    /// <summary>
    /// As buildkit: a line continues when, after trailing spaces and tabs, it ends with the escape character that
    /// is either the whole line or follows another character than the escape character. So a line ending with an
    /// escaped escape character (<c>\\</c>, or <c>``</c> with <c># escape=`</c>) ends the instruction, and so does
    /// one ending with three of them (buildkit does not count them).
    /// </summary>
    private bool EndsWithEscape(string content, out string body)
    {
        string trimmed = content.TrimEnd(' ', '\t');
        bool continues = trimmed.Length > 0 && trimmed[^1] == escape && (trimmed.Length == 1 || trimmed[^2] != escape);
        body = continues ? trimmed[..^1] : content;
        return continues;
    }

    /// <summary>Reads the body of a heredoc: the lines up to the one holding only its delimiter.</summary>
    private string ReadHeredoc(HeredocMarker marker)
    {
        var body = new StringBuilder();
        for (; next < lines.Length; next++)
        {
            string line = marker.StripTabs ? lines[next].TrimStart('\t') : lines[next];
            if (line == marker.Name)
            {
                next++;
                return body.ToString();
            }
            body.Append(lines[next]).Append('\n');
        }
        throw new DockerfileSyntaxException(
            DockerfileErrorCodes.UnterminatedHeredoc,
            $"The heredoc '<<{marker.Name}' is never closed. Add a line holding only '{marker.Name}' after its body.",
            fileName, marker.Line, marker.Column);
    }
}
