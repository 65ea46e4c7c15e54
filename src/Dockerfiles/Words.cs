namespace ImageTasks.Dockerfiles;

/// <summary>A word of an instruction line, as written, and the offset where it starts in the line.</summary>
internal readonly record struct Word(string Text, int Offset)
{
    public int End => Offset + Text.Length;
}

/// <summary>Splitting instruction text into words the way the Dockerfile syntax does.</summary>
internal static class Words
{
    /// <summary>The characters Dockerfiles treat as blanks between words.</summary>
    public static readonly char[] Blanks = [' ', '\t', '\v', '\f', '\r'];

    public static bool IsBlank(char c) => Array.IndexOf(Blanks, c) >= 0;

    /// <summary>The offset of the first non-blank character at or after <paramref name="start"/>.</summary>
    public static int SkipBlanks(string text, int start)
    {
        while (start < text.Length && IsBlank(text[start]))
            start++;
        return start;
    }

    /// <summary>The offset of the first character at or after <paramref name="start"/> that is not Unicode white space.</summary>
    public static int SkipWhiteSpace(string text, int start)
    {
        while (start < text.Length && char.IsWhiteSpace(text[start]))
            start++;
        return start;
    }

    /// <summary>Splits on runs of blanks only: quotes and escape characters mean nothing here.</summary>
    public static List<Word> SplitOnBlanks(string text, int start) => Split(text, start, escape: null);

    /// <summary>
    /// Splits on white space outside quotes, as buildkit's parser splits ENV, LABEL and ARG. Quotes and escape
    /// characters stay in the words, so <c>a="b c"</c> is one word <c>a="b c"</c>, and an escape character keeps the
    /// next character in the word (<c>a\ b</c>), but not inside single quotes; an escape character ending the text
    /// escapes nothing and is dropped.
    /// </summary>
    public static List<Word> SplitShellWords(string text, int start, char escape) => Split(text, start, escape);

    private static List<Word> Split(string text, int start, char? escape)
    {
        var words = new List<Word>();
        int i = SkipSeparators(text, start, escape);
        while (i < text.Length)
        {
            int end = Scan(text, i, escape, out bool trailingEscape);
            words.Add(new Word(text[i..(trailingEscape ? end - 1 : end)], i));
            i = SkipSeparators(text, end, escape);
        }
        return words;
    }

    private static int SkipSeparators(string text, int start, char? escape) =>
        escape == null ? SkipBlanks(text, start) : SkipWhiteSpace(text, start);

    /// <summary>The offset just after the word starting at <paramref name="start"/>.</summary>
    public static int WordEnd(string text, int start, char? escape) => Scan(text, start, escape, out _);

    /// <summary>
    /// Without an escape character a word ends at a blank. With one, quotes group, the escape character keeps the
    /// next character (not inside single quotes), and a word ends at white space.
    /// </summary>
    private static int Scan(string text, int start, char? escape, out bool trailingEscape)
    {
        trailingEscape = false;
        char quote = '\0';
        int i = start;
        for (; i < text.Length; i++)
        {
            char c = text[i];
            if (quote != '\0' ? c == quote : c is '"' or '\'' && escape != null)
                quote = quote == '\0' ? c : '\0';
            else if (c == escape && quote != '\'')
            {
                trailingEscape = i + 1 == text.Length;
                i++;
            }
            else if (quote == '\0' && (escape == null ? IsBlank(c) : char.IsWhiteSpace(c)))
                break;
        }
        return Math.Min(i, text.Length);
    }
}
