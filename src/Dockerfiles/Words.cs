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

    /// <summary>Splits on runs of blanks only: quotes and escape characters mean nothing here.</summary>
    public static List<Word> SplitOnBlanks(string text, int start) => Split(text, start, escape: null);

    /// <summary>
    /// Splits on blanks outside quotes. Quotes and escape characters stay in the words, so <c>a="b c"</c> is one
    /// word <c>a="b c"</c>, and an escape character keeps the next character in the word (<c>a\ b</c>).
    /// </summary>
    public static List<Word> SplitShellWords(string text, int start, char escape) => Split(text, start, escape);

    private static List<Word> Split(string text, int start, char? escape)
    {
        var words = new List<Word>();
        int i = SkipBlanks(text, start);
        while (i < text.Length)
        {
            int end = WordEnd(text, i, escape);
            words.Add(new Word(text[i..end], i));
            i = SkipBlanks(text, end);
        }
        return words;
    }

    /// <summary>The offset just after the word starting at <paramref name="start"/>.</summary>
    public static int WordEnd(string text, int start, char? escape)
    {
        char quote = '\0';
        int i = start;
        for (; i < text.Length; i++)
        {
            char c = text[i];
            if (c == escape && i + 1 < text.Length)
                i++;
            else if (quote != '\0')
                quote = c == quote ? '\0' : quote;
            else if (escape != null && c is '"' or '\'')
                quote = c;
            else if (IsBlank(c))
                break;
        }
        return i;
    }
}
