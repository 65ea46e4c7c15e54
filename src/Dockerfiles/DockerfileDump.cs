using System.Globalization;
using System.Text;

namespace ImageTasks.Dockerfiles;

/// <summary>
/// Renders a parsed Dockerfile in buildkit's parse-dump format, one line per instruction:
/// <c>(name ["--flag"...] "arg"...)</c>, with strings quoted as Go's <c>%q</c> does. Used to check the parser
/// against buildkit's own test vectors.
/// </summary>
public static class DockerfileDump
{
    public static string Render(DockerfileDocument document)
    {
        var dump = new StringBuilder();
        foreach (var instruction in document.Instructions)
            dump.Append('(').Append(Node(instruction)).Append(")\n");
        return dump.ToString();
    }

    private static string Node(Instruction instruction)
    {
        var parts = new List<string> { instruction.Keyword.ToLowerInvariant() };
        if (instruction.Flags.Count > 0)
            parts.Add("[" + string.Join(" ", instruction.Flags.Select(Quote)) + "]");
        if (!InstructionParser.IsKnown(instruction.Keyword))
            parts.Add(Quote("")); // buildkit keeps an unknown instruction with one empty argument
        else if (instruction.Trigger != null)
            parts.Add("(" + Node(instruction.Trigger) + ")");
        else if (instruction.Keyword is "ENV" or "LABEL")
            parts.AddRange(instruction.Pairs.SelectMany(p => new[] { p.Name, p.Value, instruction.IsLegacyPairForm ? "" : "=" }).Select(Quote));
        else
            parts.AddRange(instruction.Arguments.Select(Quote));
        return string.Join(" ", parts);
    }

    /// <summary>Quotes a string as Go's <c>strconv.Quote</c>: printable characters as they are, others escaped.</summary>
    internal static string Quote(string value)
    {
        var quoted = new StringBuilder("\"");
        foreach (var rune in value.EnumerateRunes())
        {
            quoted.Append(rune.Value switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\a' => "\\a",
                '\b' => "\\b",
                '\f' => "\\f",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\v' => "\\v",
                _ when IsPrintable(rune) => rune.ToString(),
                < 0x80 => $"\\x{rune.Value:x2}",
                < 0x10000 => $"\\u{rune.Value:x4}",
                _ => $"\\U{rune.Value:x8}",
            });
        }
        return quoted.Append('"').ToString();
    }

    // Go's notion of printable: letters, marks, numbers, punctuation, symbols and the ASCII space.
    private static bool IsPrintable(Rune rune) => rune.Value == ' ' || Rune.GetUnicodeCategory(rune) switch
    {
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
            or UnicodeCategory.OtherNotAssigned or UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator
            or UnicodeCategory.ParagraphSeparator => false,
        _ => true,
    };
}
