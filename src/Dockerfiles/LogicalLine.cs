using System.Text;

namespace ImageTasks.Dockerfiles;

/// <summary>
/// An instruction's text with its continuation lines joined, remembering which source line and column each
/// piece came from, so an error at any offset of the joined text can name its place in the file.
/// </summary>
internal sealed class LogicalLine
{
    private readonly StringBuilder text = new();
    private readonly List<(int Offset, int Line, int Column)> pieces = [];

    public int FirstLine => pieces[0].Line;

    public int LastLine => pieces[^1].Line;

    public string Text => text.ToString();

    public void Append(string piece, int line, int column)
    {
        pieces.Add((text.Length, line, column));
        text.Append(piece);
    }

    /// <summary>The 1-based line and column of the character at <paramref name="offset"/> of <see cref="Text"/>.</summary>
    public (int Line, int Column) PositionOf(int offset)
    {
        var piece = pieces.Last(p => p.Offset <= offset);
        return (piece.Line, piece.Column + offset - piece.Offset);
    }
}
