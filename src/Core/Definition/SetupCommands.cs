using ImageTasks.Definition.Dockerfiles;
using ImageTasks.Diagnostics;
using ImageTasks.Dockerfiles;

namespace ImageTasks.Definition;

/// <summary>
/// Dockerfile lines given one by one (RUN, ENV, WORKDIR, USER, LABEL, EXPOSE, CMD, ENTRYPOINT), each one step: the
/// setup commands applied to the base before it is checked, and Dockerfile lines in the chain of steps. Other
/// instructions, and variables, belong in a Dockerfile of its own.
/// </summary>
public static class SetupCommands
{
    public static IReadOnlyList<BuildStep> Parse(IEnumerable<string> lines, string source = "setup commands")
    {
        DockerfileDocument document;
        try { document = DockerfileParser.Parse(string.Join("\n", lines), source); }
        catch (DockerfileSyntaxException e)
        {
            throw new ImageTasksException(e.Code, e.Message, e) { File = e.File, Line = e.Line, Column = e.Column };
        }
        foreach (var instruction in document.Instructions) StageTranslator.Check(instruction, source, document.Escape);
        return document.Instructions.Select(i => ToStep(i, source)).ToArray();
    }

    static BuildStep ToStep(Instruction i, string source)
    {
        if (i.Heredocs.Count > 0 || i.Flags.Count > 0) throw Unsupported(i, source, "heredocs and flags");
        return i.Keyword switch
        {
            "RUN" => new RunStep(i.IsJson ? i.Arguments : ["/bin/sh", "-c", i.Arguments[0]]),
            "ENV" => new ConfigStep { Environment = Pairs(i, source) },
            "LABEL" => new ConfigStep { Labels = Pairs(i, source) },
            "WORKDIR" => new ConfigStep { WorkingDirectory = Literal(i.Arguments[0], i, source) },
            "USER" => new ConfigStep { User = Literal(i.Arguments[0], i, source) },
            "EXPOSE" => new ConfigStep { ExposedPorts = i.Arguments.Select(a => Literal(a, i, source)).ToArray() },
            "CMD" => new ConfigStep { Command = i.IsJson ? i.Arguments : ["/bin/sh", "-c", i.Arguments[0]] },
            "ENTRYPOINT" => new ConfigStep { Entrypoint = i.IsJson ? i.Arguments : ["/bin/sh", "-c", i.Arguments[0]] },
            _ => throw Unsupported(i, source, i.Keyword),
        };
    }

    static KeyValuePair<string, string>[] Pairs(Instruction i, string source)
        => i.Pairs.Select(p => new KeyValuePair<string, string>(p.Name, Literal(Unquote(p.Value), i, source))).ToArray();

    static string Unquote(string value)
        => value.Length >= 2 && (value[0] is '"' or '\'') && value[^1] == value[0] ? value[1..^1] : value;

    /// <summary>Variables ($NAME) are expanded by Dockerfile builds, not in setup commands: say so rather than keep a literal '$'.</summary>
    static string Literal(string value, Instruction i, string source)
        => value.Contains('$')
            ? throw new ImageTasksException(ErrorCodes.UnsupportedSetupCommand,
                $"{source}, line {i.Line}: '{i.Original}' uses a variable; these lines do not expand variables (a Dockerfile does). " +
                "Write the value out, or set it in a RUN command (RUN export ... is per command; use ENV with a literal value).")
            { Line = i.Line, Column = i.Column }
            : value;

    static ImageTasksException Unsupported(Instruction i, string source, string what)
        => new(ErrorCodes.UnsupportedSetupCommand,
            $"{source}, line {i.Line}: '{i.Original}' is not supported there ({what}). " +
            "Use RUN, ENV, WORKDIR, USER, LABEL, EXPOSE, CMD or ENTRYPOINT lines; copy files with ImageFile items, or build from a Dockerfile (ImageDockerfile).")
        { Line = i.Line, Column = i.Column };
}
