using ImageTasks.Diagnostics;
using ImageTasks.Dockerfiles;

namespace ImageTasks.Definition.Dockerfiles;

/// <summary>What a Dockerfile build is given besides the Dockerfile.</summary>
public sealed record DockerfileOptions
{
    /// <summary>The context folder COPY and ADD read from (its .dockerignore applies).</summary>
    public required string ContextDirectory { get; init; }
    /// <summary>Build arguments (docker build --build-arg): values of the ARGs of the same names.</summary>
    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>();
    /// <summary>The stage to build (its name, or its 0-based index); null: the last one.</summary>
    public string? Target { get; init; }
    /// <summary>The platform the image is built for (os/arch[/variant]): sets TARGETPLATFORM, TARGETOS, ...</summary>
    public string Platform { get; init; } = "linux/amd64";
}

/// <summary>One stage: FROM and the instructions up to the next FROM.</summary>
/// <param name="From">The FROM image, variables substituted: an image reference, "scratch", or an earlier stage's name.</param>
/// <param name="BaseStage">The index of the earlier stage FROM names; null for an image.</param>
/// <param name="CopySources">The <c>COPY --from</c> values (substituted): earlier stages' names or indexes, or images.</param>
public sealed record DockerfileStage(int Index, string? Name, string From, int? BaseStage, Instruction FromInstruction,
    IReadOnlyList<Instruction> Instructions, IReadOnlyList<string> CopySources)
{
    public string Description => Name is null ? $"stage {Index}" : $"stage {Index} ({Name})";
}

/// <summary>
/// A parsed Dockerfile split into stages, with the global ARGs (those before the first FROM) resolved and the stages
/// the target needs selected. Pure: no engine, no files but the Dockerfile text given.
/// </summary>
public sealed class DockerfileProgram
{
    /// <summary>Build arguments Docker defines without an ARG (usable in RUN only when given).</summary>
    public static readonly IReadOnlySet<string> ProxyArgs = new HashSet<string>(StringComparer.Ordinal)
    {
        "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy",
    };

    DockerfileProgram(string fileName, DockerfileDocument document, DockerfileOptions options, IReadOnlyDictionary<string, string> globalArgs,
        IReadOnlyList<DockerfileStage> stages, DockerfileStage target)
    {
        FileName = fileName;
        Document = document;
        Options = options;
        GlobalArgs = globalArgs;
        Stages = stages;
        Target = target;
        Needed = Closure(stages, target);
    }

    public string FileName { get; }
    public DockerfileDocument Document { get; }
    public DockerfileOptions Options { get; }
    /// <summary>The values of the ARGs before the first FROM (build arguments applied) and the platform ARGs.</summary>
    public IReadOnlyDictionary<string, string> GlobalArgs { get; }
    public IReadOnlyList<DockerfileStage> Stages { get; }
    public DockerfileStage Target { get; }
    /// <summary>The stages the target needs (its FROM chain and COPY --from sources, transitively), in file order.</summary>
    public IReadOnlyList<DockerfileStage> Needed { get; }

    public static DockerfileProgram Load(string dockerfilePath, DockerfileOptions options) =>
        Parse(File.ReadAllText(dockerfilePath), dockerfilePath, options);

    public static DockerfileProgram Parse(string text, string fileName, DockerfileOptions options)
    {
        DockerfileDocument document;
        try { document = DockerfileParser.Parse(text, fileName); }
        catch (DockerfileSyntaxException e)
        {
            throw new ImageTasksException(e.Code, e.Message, e) { File = e.File, Line = e.Line, Column = e.Column };
        }

        var instructions = document.Instructions;
        foreach (var instruction in instructions) StageTranslator.Check(instruction, fileName, document.Escape);
        var globals = PlatformArgs(options.Platform);
        var first = 0;
        for (; first < instructions.Count && instructions[first].Keyword != "FROM"; first++)
        {
            var i = instructions[first];
            if (i.Keyword != "ARG")
                throw Error(ErrorCodes.InvalidStage, fileName, i, $"'{i.Original}' comes before the first FROM; only ARG may. Move it after a FROM line.");
            foreach (var (name, value) in ArgWords(i, fileName))
            {
                var resolved = options.BuildArgs.TryGetValue(name, out var given) ? given
                    : value is null ? null : Expand(value, globals, fileName, i, document.Escape);
                if (resolved is null) globals.Remove(name);
                else globals[name] = resolved;
            }
        }
        if (first == instructions.Count)
            throw new ImageTasksException(ErrorCodes.InvalidStage, $"{fileName}: the Dockerfile has no FROM line. Start a stage with FROM <image>.") { File = fileName };

        var stages = new List<DockerfileStage>();
        for (var at = first; at < instructions.Count;)
        {
            var from = instructions[at];
            var end = at + 1;
            while (end < instructions.Count && instructions[end].Keyword != "FROM") end++;
            var body = instructions.Skip(at + 1).Take(end - at - 1).ToArray();
            stages.Add(Stage(stages, from, body, globals, fileName, options, document.Escape));
            at = end;
        }
        return new DockerfileProgram(fileName, document, options, globals, stages, FindTarget(stages, options.Target, fileName));
    }

    static DockerfileStage Stage(List<DockerfileStage> earlier, Instruction from, Instruction[] body, Dictionary<string, string> globals,
        string fileName, DockerfileOptions options, char escape)
    {
        var args = from.Arguments;
        if (args.Count is not (1 or 3) || (args.Count == 3 && !args[1].Equals("AS", StringComparison.OrdinalIgnoreCase)))
            throw Error(ErrorCodes.InvalidStage, fileName, from, $"'{from.Original}' is not FROM <image> [AS <name>].");
        foreach (var flag in from.Flags)
        {
            var (flagName, value) = Flag(flag);
            if (flagName != "platform") throw Error(ErrorCodes.UnsupportedFlag, fileName, from, $"FROM does not take '{flag}'.");
            var platform = Expand(value ?? "", globals, fileName, from, escape);
            if (!SamePlatform(platform, options.Platform))
                throw Error(ErrorCodes.PlatformMismatch, fileName, from,
                    $"'{from.Original}' asks for the platform '{platform}', but the image is built for {options.Platform}. Build for that platform, or remove --platform.");
        }
        var image = Expand(args[0], globals, fileName, from, escape);
        var name = args.Count == 3 ? args[2].ToLowerInvariant() : null;
        if (name is not null && earlier.Any(s => s.Name == name))
            throw Error(ErrorCodes.InvalidStage, fileName, from, $"The stage name '{name}' is used twice. Give each stage its own name.");
        var baseStage = earlier.FirstOrDefault(s => s.Name is not null && s.Name == image.ToLowerInvariant())?.Index;
        var sources = new List<string>();
        foreach (var i in body)
        {
            if (i.Keyword is not ("COPY" or "ADD")) continue;
            foreach (var flag in i.Flags)
                if (Flag(flag) is ("from", { } value)) sources.Add(Expand(value, globals, fileName, i, escape));
        }
        return new DockerfileStage(earlier.Count, name, image, baseStage, from, body, sources);
    }

    static DockerfileStage FindTarget(List<DockerfileStage> stages, string? target, string fileName)
    {
        if (target is null) return stages[^1];
        return FindStage(stages, target)
               ?? throw new ImageTasksException(ErrorCodes.InvalidStage,
                   $"{fileName}: the target stage '{target}' is not in the Dockerfile; its stages are {string.Join(", ", stages.Select(s => s.Name ?? s.Index.ToString(System.Globalization.CultureInfo.InvariantCulture)))}.")
               { File = fileName };
    }

    /// <summary>The stage a name (case-insensitive) or index names, or null.</summary>
    public static DockerfileStage? FindStage(IReadOnlyList<DockerfileStage> stages, string nameOrIndex) =>
        stages.FirstOrDefault(s => s.Name is not null && s.Name == nameOrIndex.ToLowerInvariant())
        ?? (int.TryParse(nameOrIndex, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index)
            && index < stages.Count ? stages[index] : null);

    static IReadOnlyList<DockerfileStage> Closure(IReadOnlyList<DockerfileStage> stages, DockerfileStage target)
    {
        var needed = new SortedSet<int>();
        var pending = new Stack<DockerfileStage>([target]);
        while (pending.TryPop(out var stage))
        {
            if (!needed.Add(stage.Index)) continue;
            if (stage.BaseStage is { } b) pending.Push(stages[b]);
            foreach (var source in stage.CopySources)
                if (FindStage(stages.Take(stage.Index).ToArray(), source) is { } s) pending.Push(s);
        }
        return needed.Select(i => stages[i]).ToArray();
    }

    /// <summary>The build arguments no ARG of the needed stages (nor before FROM) declares, proxy ones aside.</summary>
    public IReadOnlyList<string> UnusedBuildArgs()
    {
        var declared = Document.Instructions.TakeWhile(i => i.Keyword != "FROM")
            .Concat(Needed.SelectMany(s => s.Instructions))
            .Where(i => i.Keyword == "ARG")
            .SelectMany(i => ArgWords(i, FileName).Select(a => a.Name))
            .ToHashSet(StringComparer.Ordinal);
        return Options.BuildArgs.Keys.Where(k => !declared.Contains(k) && !ProxyArgs.Contains(k)).Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>TARGETPLATFORM, TARGETOS, TARGETARCH, TARGETVARIANT and the BUILD* ones, as buildkit defines them
    /// (the build runs on the target's platform).</summary>
    static Dictionary<string, string> PlatformArgs(string platform)
    {
        var parts = platform.Split('/');
        var args = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var prefix in new[] { "TARGET", "BUILD" })
        {
            args[prefix + "PLATFORM"] = platform;
            args[prefix + "OS"] = parts[0];
            args[prefix + "ARCH"] = parts.Length > 1 ? parts[1] : "";
            args[prefix + "VARIANT"] = parts.Length > 2 ? parts[2] : "";
        }
        return args;
    }

    static bool SamePlatform(string a, string b) =>
        string.Equals(a.TrimEnd('/'), b.TrimEnd('/'), StringComparison.OrdinalIgnoreCase);

    /// <summary>The words of an ARG: name and its default (null when none), the default as written.</summary>
    internal static IEnumerable<(string Name, string? Value)> ArgWords(Instruction i, string fileName)
    {
        foreach (var word in i.Arguments)
        {
            var eq = word.IndexOf('=');
            var name = eq < 0 ? word : word[..eq];
            if (name.Length == 0) throw Error(ErrorCodes.InvalidValue, fileName, i, $"'{word}' in ARG has no name. Write ARG NAME or ARG NAME=default.");
            yield return (name, eq < 0 ? null : word[(eq + 1)..]);
        }
    }

    /// <summary>"--name=value" -> (name, value); "--name" -> (name, null).</summary>
    internal static (string Name, string? Value) Flag(string flag)
    {
        var text = flag[2..];
        var eq = text.IndexOf('=');
        return eq < 0 ? (text.ToLowerInvariant(), null) : (text[..eq].ToLowerInvariant(), text[(eq + 1)..]);
    }

    internal static string Expand(string word, IReadOnlyDictionary<string, string> variables, string fileName, Instruction i, char escape)
    {
        try { return Substitution.Expand(word, name => variables.GetValueOrDefault(name), escape); }
        catch (SubstitutionException e)
        {
            throw Error(ErrorCodes.InvalidSubstitution, fileName, i, $"'{word}' in '{i.Original}': {e.Message}.");
        }
    }

    internal static ImageTasksException Error(string code, string fileName, Instruction i, string message) =>
        new(code, message) { File = fileName, Line = i.Line, Column = i.Column }; // MSBuild prints the location
}
