namespace ImageTasks.Dockerfiles;

/// <summary>A parsed Dockerfile: its parser directives and its instructions in order.</summary>
public sealed class DockerfileDocument
{
    /// <summary>The escape character: <c>\</c> unless a <c># escape=`</c> directive says otherwise.</summary>
    public char Escape { get; init; } = '\\';

    /// <summary>The value of the <c># syntax=</c> directive, or null when there is none.</summary>
    public string? Syntax { get; init; }

    /// <summary>Every known parser directive found at the top (keys lowercased: escape, syntax, check).</summary>
    public IReadOnlyDictionary<string, string> Directives { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<Instruction> Instructions { get; init; } = [];
}

/// <summary>One instruction, with its continuation lines joined.</summary>
public sealed record Instruction
{
    /// <summary>
    /// The instruction name uppercased: RUN, COPY, ... As in buildkit's parser, an unknown name is kept too (with its
    /// flags, no arguments): the build refuses it.
    /// </summary>
    public required string Keyword { get; init; }

    /// <summary>The instruction as written, continuation lines joined (escape characters and comments removed).</summary>
    public required string Original { get; init; }

    /// <summary>
    /// The leading flags in order, e.g. <c>--from=build</c> or <c>--link</c>, with quotes removed and backslash escapes
    /// applied as buildkit does (<c>--chown="1:1"</c> is <c>--chown=1:1</c>).
    /// </summary>
    public IReadOnlyList<string> Flags { get; init; } = [];

    /// <summary>
    /// The arguments. Their shape depends on the instruction: RUN/CMD/ENTRYPOINT/SHELL in shell form hold one string
    /// (the command line), in exec form the JSON strings; COPY/ADD/VOLUME/FROM/EXPOSE the words; ARG the words
    /// (<c>name</c> or <c>name=value</c>); ENV/LABEL the names and values alternately (see <see cref="Pairs"/>);
    /// HEALTHCHECK <c>NONE</c>, or <c>CMD</c> followed by the command; ONBUILD none (see <see cref="Trigger"/>);
    /// MAINTAINER/USER/WORKDIR/STOPSIGNAL one string. Empty when the instruction has none: the parser takes that, as
    /// buildkit's does, and the build says what is missing.
    /// </summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>True when the arguments were given in JSON (exec) form, e.g. <c>CMD ["a", "b"]</c>.</summary>
    public bool IsJson { get; init; }

    /// <summary>ENV and LABEL: the name/value pairs, values as written (quotes kept, no expansion).</summary>
    public IReadOnlyList<NameValue> Pairs { get; init; } = [];

    /// <summary>ENV and LABEL: true for the legacy <c>ENV name value</c> form (one pair, no <c>=</c>).</summary>
    public bool IsLegacyPairForm { get; init; }

    /// <summary>ONBUILD: the instruction it wraps (any, as in buildkit's parser; its heredocs too), or null when none.</summary>
    public Instruction? Trigger { get; init; }

    /// <summary>RUN/COPY/ADD: the here-documents (<c>&lt;&lt;EOF</c>) in the order their markers appear.</summary>
    public IReadOnlyList<Heredoc> Heredocs { get; init; } = [];

    /// <summary>Where the instruction name starts (1-based line and column).</summary>
    public int Line { get; init; }

    public int Column { get; init; }

    /// <summary>The last line of the instruction, continuation lines and heredoc bodies included.</summary>
    public int EndLine { get; init; }

    public override string ToString() => Original;

    // Records compare by value; lists do not, so equality is by reference like a class.
    public bool Equals(Instruction? other) => ReferenceEquals(this, other);

    public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this);
}

/// <summary>A name/value pair of ENV or LABEL.</summary>
public sealed record NameValue(string Name, string Value);

/// <summary>
/// A here-document. <see cref="Content"/> is the body as written, every line ending with a newline.
/// <see cref="StripTabs"/> is set for <c>&lt;&lt;-EOF</c>; <see cref="QuotedDelimiter"/> for <c>&lt;&lt;"EOF"</c> or
/// <c>&lt;&lt;'EOF'</c>, which means no variable expansion in the body.
/// </summary>
public sealed record Heredoc(string Name, string Content, bool StripTabs, bool QuotedDelimiter)
{
    /// <summary>The body as the instruction uses it: with <c>&lt;&lt;-</c>, leading tabs removed from every line.</summary>
    public string Text => StripTabs
        ? string.Join('\n', Content.Split('\n').Select(line => line.TrimStart('\t')))
        : Content;
}
