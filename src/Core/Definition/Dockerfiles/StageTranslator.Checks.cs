using ImageTasks.Diagnostics;
using ImageTasks.Dockerfiles;

namespace ImageTasks.Definition.Dockerfiles;

/// <summary>
/// The checks buildkit makes when it turns the parse tree into instructions, before any stage is built: the parser
/// takes any instruction name, any instruction without arguments, any HEALTHCHECK type, any ONBUILD trigger and ENV or
/// LABEL names left empty, as buildkit's parser does. They are syntax errors (IMG6001), found for every instruction of
/// the file, as in buildkit.
/// </summary>
public sealed partial class StageTranslator
{
    /// <summary>Throws an <see cref="ImageTasksException"/> (IMG6001) for an instruction buildkit would refuse to build.</summary>
    internal static void Check(Instruction i, string fileName, char escape)
    {
        string? problem = Problem(i, escape);
        if (problem is not null) throw DockerfileProgram.Error(DockerfileErrorCodes.SyntaxError, fileName, i, problem);
    }

    static string? Problem(Instruction i, char escape)
    {
        if (!DockerfileParser.IsInstruction(i.Keyword))
            return $"Unknown instruction '{i.Keyword}' in '{i.Original}'. Each instruction must start with a name such as FROM, RUN, COPY " +
                   $"or ENV; if this line continues the one before, end that line with '{escape}'.";
        if (i.Arguments.Count == 0 && i.Trigger is null && !i.IsJson)
            return $"'{i.Original}' has no arguments. Write what {i.Keyword} should do after its name, e.g. '{i.Keyword} ...'.";
        return i.Keyword switch
        {
            "ENV" or "LABEL" when i.Pairs.FirstOrDefault(p => p.Name.Length == 0) is { } pair =>
                $"'={pair.Value}' in {i.Keyword} has no name before '='. Write name=value.",
            "HEALTHCHECK" => HealthcheckProblem(i),
            "ONBUILD" when i.Trigger!.Keyword is "ONBUILD" or "FROM" or "MAINTAINER" =>
                $"ONBUILD cannot wrap {i.Trigger.Keyword} ('{i.Original}'). Use it with another instruction, e.g. 'ONBUILD RUN ...'.",
            _ => null,
        };
    }

    static string? HealthcheckProblem(Instruction i)
    {
        string type = i.Arguments[0];
        int more = i.Arguments.Count - 1;
        return type.ToUpperInvariant() switch
        {
            "NONE" when more > 0 => $"HEALTHCHECK NONE takes no arguments. Remove '{string.Join(" ", i.Arguments.Skip(1))}'.",
            "NONE" => null,
            "CMD" when more == 0 => $"'{i.Original}' has no command. Write the command after CMD, e.g. 'HEALTHCHECK CMD curl -f http://localhost/'.",
            "CMD" => null,
            _ => $"HEALTHCHECK must be followed by NONE or CMD, not '{type}'. Write 'HEALTHCHECK [--interval=...] CMD command' or 'HEALTHCHECK NONE'.",
        };
    }
}
