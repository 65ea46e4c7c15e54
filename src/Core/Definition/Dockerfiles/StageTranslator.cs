using System.Globalization;
using System.Text.RegularExpressions;
using ImageTasks.Diagnostics;
using ImageTasks.Dockerfiles;

namespace ImageTasks.Definition.Dockerfiles;

/// <summary>What a <c>COPY --from</c> value stands for: the image to export from and the key of its content.</summary>
public sealed record StageSource(string Image, string Key);

/// <summary>What a stage is built on.</summary>
/// <param name="Reference">The FROM image, or for a stage on a stage the image the earlier stage ends with.</param>
/// <param name="Key">The parent key of the first step: the image's id, or the earlier stage's final key.</param>
/// <param name="Config">The image's configuration (ENV PATH=$PATH:/x reads it).</param>
/// <param name="Copies">Files copied from the context by the earlier stage (for the entrypoint check).</param>
public sealed record StageBase(ImageReference Reference, string Key, ImageConfig Config, IReadOnlyList<ContextCopy> Copies);

/// <summary>A file or folder copied from the context, and where it went.</summary>
public sealed record ContextCopy(string HostPath, bool IsFolder, string Destination, bool IntoFolder);

public sealed record DockerfileWarning(string Code, string Message);

/// <summary>A stage translated: the definition the engine builds, and what the stage ends with.</summary>
public sealed record StageDefinition(DockerfileStage Stage, StageBase Base, ImageDefinition Definition, ImageConfig FinalConfig,
    IReadOnlyList<ContextCopy> Copies, IReadOnlyList<DockerfileWarning> Warnings);

/// <summary>
/// Translates one Dockerfile stage into an <see cref="ImageDefinition"/>: every instruction but ARG becomes one step
/// with its own key. Variables are substituted where Docker substitutes them (ENV, LABEL, WORKDIR, USER, EXPOSE, VOLUME,
/// STOPSIGNAL, COPY/ADD, ARG defaults), from the image's environment (the base image's included) and the stage's ARGs;
/// ENV wins over ARG. ARG values reach RUN commands as their environment only. Pure but for reading the context's
/// listings (COPY/ADD sources) and an entrypoint script's text.
/// </summary>
public sealed partial class StageTranslator
{
    static readonly string[] DefaultShell = ["/bin/sh", "-c"];

    readonly DockerfileProgram _program;
    readonly DockerfileStage _stage;
    readonly BuildContext _context;
    readonly Func<string, StageSource> _copySource;
    readonly List<BuildStep> _steps = [];
    readonly List<ContextCopy> _copies;
    readonly List<DockerfileWarning> _warnings = [];
    readonly List<KeyValuePair<string, string>> _args = [];
    ImageConfig _config;
    bool _cmdSet;
    Instruction _current = null!;

    StageTranslator(DockerfileProgram program, DockerfileStage stage, StageBase @base, BuildContext context, Func<string, StageSource> copySource)
    {
        _program = program;
        _stage = stage;
        _context = context;
        _copySource = copySource;
        _config = @base.Config;
        _copies = [.. @base.Copies];
    }

    string FileName => _program.FileName;
    char Escape => _program.Document.Escape;
    IReadOnlyList<string> Shell => _config.Shell ?? DefaultShell;

    /// <param name="copySource">What a COPY --from value (substituted) stands for: an earlier stage or an image.</param>
    public static StageDefinition Translate(DockerfileProgram program, DockerfileStage stage, StageBase @base, BuildContext context,
        Func<string, StageSource> copySource)
    {
        var translator = new StageTranslator(program, stage, @base, context, copySource);
        if (@base.Config.OnBuild.Count > 0)
            throw DockerfileProgram.Error(ErrorCodes.UnsupportedInstruction, program.FileName, stage.FromInstruction,
                $"The base image {@base.Reference} has ONBUILD triggers ({string.Join("; ", @base.Config.OnBuild)}), which this engine does not run. " +
                "Use a base image without them, or write their instructions into this Dockerfile.");
        foreach (var instruction in stage.Instructions) translator.Add(instruction);
        if (stage == program.Target) translator.CheckEntrypoint();
        ImageDefinition definition;
        try { definition = new ImageDefinition(@base.Reference, translator._steps); }
        catch (ImageTasksException e) when (e.File is null)
        {
            throw new ImageTasksException(e.Code, $"{stage.Description}: {e.Message}", e) { File = program.FileName, Line = stage.FromInstruction.Line };
        }
        return new StageDefinition(stage, @base, definition, translator._config, translator._copies, translator._warnings);
    }

    void Add(Instruction i)
    {
        _current = i;
        var step = i.Keyword switch
        {
            "ARG" => Arg(i),
            "ENV" => Config(new ConfigStep { Environment = Pairs(i) }),
            "LABEL" => Config(new ConfigStep { Labels = Pairs(i) }),
            "RUN" => Run(i),
            "CMD" => Cmd(i),
            "ENTRYPOINT" => Entrypoint(i),
            "WORKDIR" => Config(new ConfigStep { WorkingDirectory = Absolute(Expand(i.Arguments[0]), keepSlash: false) }),
            "USER" => Config(new ConfigStep { User = Expand(i.Arguments[0]) }),
            "EXPOSE" => Config(new ConfigStep { ExposedPorts = i.Arguments.SelectMany(a => Ports(Expand(a))).ToArray() }),
            "VOLUME" => Config(new ConfigStep { Volumes = i.Arguments.Select(Expand).Where(v => v.Length > 0).ToArray() }),
            "STOPSIGNAL" => Config(new ConfigStep { StopSignal = Expand(i.Arguments[0]) }),
            "HEALTHCHECK" => Config(new ConfigStep { Healthcheck = HealthcheckOf(i) }),
            "SHELL" => Config(new ConfigStep { Shell = i.IsJson && i.Arguments.Count > 0 ? i.Arguments : throw Fail(ErrorCodes.InvalidValue,
                "SHELL takes a JSON array, such as SHELL [\"/bin/bash\", \"-c\"].") }),
            "COPY" or "ADD" => Copy(i),
            "MAINTAINER" => Warn(ErrorCodes.MaintainerIgnored,
                $"{FileName}({i.Line}): MAINTAINER is deprecated and sets nothing in this image. Use LABEL org.opencontainers.image.authors=\"...\"."),
            "ONBUILD" => throw Fail(ErrorCodes.UnsupportedInstruction,
                "ONBUILD triggers are not supported: they would run in images built FROM this one by other builders. Remove the line."),
            _ => throw Fail(ErrorCodes.UnsupportedInstruction, $"{i.Keyword} is not supported here."),
        };
        if (step is null) return;
        if (i.Keyword != "RUN" && i.Keyword != "COPY" && i.Keyword != "ADD") CheckNoFlags(i);
        try { Validate(step); }
        catch (ImageTasksException e) when (e.File is null)
        {
            throw new ImageTasksException(e.Code, e.Message, e) { File = FileName, Line = i.Line, Column = i.Column };
        }
        _steps.Add(step);
        _config = ImageConfigs.Apply(_config, step);
    }

    static void Validate(BuildStep step)
    {
        if (step is ConfigStep config) Validation.CheckConfig(config);
    }

    BuildStep? Warn(string code, string message)
    {
        _warnings.Add(new DockerfileWarning(code, message));
        return null;
    }

    BuildStep Config(ConfigStep step) => step;

    void CheckNoFlags(Instruction i)
    {
        if (i.Keyword == "HEALTHCHECK") return;
        if (i.Flags.Count > 0) throw Fail(ErrorCodes.UnsupportedFlag, $"{i.Keyword} does not take '{i.Flags[0]}'.");
    }

    // ---- variables ----

    /// <summary>What substitution sees: the stage's ARGs, then the image's environment over them.</summary>
    Dictionary<string, string> Variables()
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in _args) variables[name] = value;
        foreach (var entry in _config.Env)
        {
            var eq = entry.IndexOf('=');
            if (eq > 0) variables[entry[..eq]] = entry[(eq + 1)..];
        }
        return variables;
    }

    string Expand(string word) => DockerfileProgram.Expand(word, Variables(), FileName, _current, Escape);

    BuildStep? Arg(Instruction i)
    {
        var variables = Variables();
        foreach (var (name, value) in DockerfileProgram.ArgWords(i, FileName))
        {
            var resolved = _program.Options.BuildArgs.TryGetValue(name, out var given) ? given
                : value is not null ? DockerfileProgram.Expand(value, variables, FileName, i, Escape)
                : _program.GlobalArgs.GetValueOrDefault(name);
            _args.RemoveAll(a => a.Key == name);
            if (resolved is not null) _args.Add(new(name, resolved));
        }
        return null;
    }

    KeyValuePair<string, string>[] Pairs(Instruction i)
    {
        var variables = Variables(); // every pair sees the values from before the instruction, as in Docker
        return i.Pairs.Select(p => new KeyValuePair<string, string>(
            DockerfileProgram.Expand(p.Name, variables, FileName, i, Escape),
            DockerfileProgram.Expand(p.Value, variables, FileName, i, Escape))).ToArray();
    }

    /// <summary>The ARG values a RUN sees (those no ENV overrides) and the proxy build arguments given.</summary>
    KeyValuePair<string, string>[] RunEnvironment()
    {
        var env = _config.Env.Select(e => e.Split('=', 2)[0]).ToHashSet(StringComparer.Ordinal);
        var proxies = _program.Options.BuildArgs.Where(a => DockerfileProgram.ProxyArgs.Contains(a.Key) && _args.All(x => x.Key != a.Key))
            .OrderBy(a => a.Key, StringComparer.Ordinal);
        return _args.Concat(proxies).Where(a => !env.Contains(a.Key)).ToArray();
    }

    // ---- commands ----

    BuildStep Run(Instruction i)
    {
        var cacheMounts = new List<KeyValuePair<string, string>>();
        string? network = null;
        foreach (var flag in i.Flags)
        {
            switch (DockerfileProgram.Flag(flag))
            {
                case ("mount", { } mount): cacheMounts.Add(CacheMount(Expand(mount))); break;
                case ("network", "default"): break;
                case ("network", { } mode and ("none" or "host")): network = mode; break;
                default:
                    throw Fail(ErrorCodes.UnsupportedFlag,
                        $"RUN {flag} is not supported; RUN takes --mount=type=cache,target=<path> and --network=default|none|host.");
            }
        }
        return new RunStep(RunCommand(i)) { Environment = RunEnvironment(), CacheMounts = cacheMounts, Network = network };
    }

    IReadOnlyList<string> RunCommand(Instruction i)
    {
        if (i.IsJson) return i.Arguments;
        var text = i.Arguments[0];
        if (i.Heredocs.Count == 0) return [.. Shell, text];
        // As buildkit: a RUN that is only "<<EOF" runs the document (a file when it starts with #!); otherwise the
        // shell gets the command line with the documents after it and reads them itself.
        var heredoc = i.Heredocs[0];
        if (i.Heredocs.Count == 1 && OnlyMarker().IsMatch(text.Trim()))
        {
            if (heredoc.Text.StartsWith("#!", StringComparison.Ordinal))
                return ["/bin/sh", "-c", "mkdir -p /dev/pipes && printf '%s' \"$1\" > \"/dev/pipes/$2\" && chmod 755 \"/dev/pipes/$2\" && exec \"/dev/pipes/$2\"",
                    "sh", heredoc.Text, heredoc.Name];
            return [.. Shell, heredoc.Text];
        }
        return [.. Shell, text + string.Concat(i.Heredocs.Select(h => "\n" + h.Content + h.Name))];
    }

    [GeneratedRegex(@"^<<-?(""[^""]+""|'[^']+'|[^\s<>|&;()'""]+)$")]
    private static partial Regex OnlyMarker();

    KeyValuePair<string, string> CacheMount(string spec)
    {
        var fields = spec.Split(',').Select(f => f.Split('=', 2)).ToDictionary(f => f[0].ToLowerInvariant(), f => f.Length > 1 ? f[1] : "true");
        var type = fields.GetValueOrDefault("type", "bind");
        if (type != "cache")
            throw Fail(ErrorCodes.UnsupportedFlag,
                $"RUN --mount=type={type} is not supported; only cache mounts are (--mount=type=cache,target=<path>). Copy the files in with COPY instead.");
        var unsupported = fields.Keys.Except(["type", "target", "dst", "destination", "id", "sharing"]).FirstOrDefault();
        if (unsupported is not null)
            throw Fail(ErrorCodes.UnsupportedFlag, $"RUN --mount=type=cache does not support '{unsupported}' here; use type, target, id and sharing.");
        var target = fields.GetValueOrDefault("target") ?? fields.GetValueOrDefault("dst") ?? fields.GetValueOrDefault("destination")
                     ?? throw Fail(ErrorCodes.UnsupportedFlag, "RUN --mount=type=cache has no target. Add target=<path>.");
        target = Absolute(target, keepSlash: false);
        return new(fields.GetValueOrDefault("id") ?? target, target);
    }

    BuildStep Cmd(Instruction i)
    {
        _cmdSet = true;
        return new ConfigStep { Command = Command(i.IsJson, i.Arguments) };
    }

    BuildStep Entrypoint(Instruction i) => new ConfigStep
    {
        Entrypoint = Command(i.IsJson, i.Arguments),
        // As Docker: ENTRYPOINT clears the inherited CMD, but not one set earlier in this stage.
        Command = _cmdSet ? _config.Cmd : null,
    };

    IReadOnlyList<string> Command(bool json, IReadOnlyList<string> arguments) => json ? arguments : [.. Shell, arguments[0]];

    Healthcheck HealthcheckOf(Instruction i)
    {
        if (i.Arguments[0].Equals("NONE", StringComparison.OrdinalIgnoreCase))
        {
            if (i.Flags.Count > 0) throw Fail(ErrorCodes.UnsupportedFlag, "HEALTHCHECK NONE takes no flags.");
            return new Healthcheck(["NONE"]);
        }
        var rest = i.Arguments.Skip(1).ToArray();
        var check = new Healthcheck(i.IsJson ? ["CMD", .. rest] : ["CMD-SHELL", rest[0]]);
        foreach (var flag in i.Flags)
        {
            var (name, value) = DockerfileProgram.Flag(flag);
            if (value is null) throw Fail(ErrorCodes.InvalidValue, $"HEALTHCHECK {flag} needs a value.");
            check = name switch
            {
                "interval" => check with { Interval = Duration(value, flag) },
                "timeout" => check with { Timeout = Duration(value, flag) },
                "start-period" => check with { StartPeriod = Duration(value, flag) },
                "start-interval" => check with { StartInterval = Duration(value, flag) },
                "retries" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var retries) => check with { Retries = retries },
                _ => throw Fail(ErrorCodes.UnsupportedFlag, $"HEALTHCHECK does not take '{flag}'; it takes --interval, --timeout, --start-period, --start-interval and --retries."),
            };
        }
        return check;
    }

    /// <summary>A Go duration: "30s", "1m30s", "1.5h", "500ms".</summary>
    TimeSpan Duration(string text, string flag)
    {
        var match = GoDuration().Match(text);
        if (!match.Success || text.Length == 0)
            throw Fail(ErrorCodes.InvalidValue, $"HEALTHCHECK {flag}: '{text}' is not a duration such as 30s, 1m30s or 500ms.");
        var ticks = 0.0;
        foreach (Capture part in match.Groups["part"].Captures)
        {
            var unit = part.Value.TrimStart("0123456789.".ToCharArray());
            var number = double.Parse(part.Value[..^unit.Length], CultureInfo.InvariantCulture);
            ticks += number * unit switch
            {
                "ns" => 0.01, "us" or "µs" => 10, "ms" => TimeSpan.TicksPerMillisecond, "s" => TimeSpan.TicksPerSecond,
                "m" => TimeSpan.TicksPerMinute, _ => TimeSpan.TicksPerHour,
            };
        }
        return TimeSpan.FromTicks((long)ticks);
    }

    [GeneratedRegex(@"^(?<part>[0-9]+(\.[0-9]*)?(ns|us|µs|ms|s|m|h))+$")]
    private static partial Regex GoDuration();

    /// <summary>EXPOSE values: "80", "53/udp", a range "8000-8002/tcp" (one port each).</summary>
    IEnumerable<string> Ports(string value)
    {
        var match = PortRange().Match(value);
        if (!match.Success) return [value]; // validation names the bad value
        var from = int.Parse(match.Groups["from"].Value, CultureInfo.InvariantCulture);
        var to = match.Groups["to"].Success ? int.Parse(match.Groups["to"].Value, CultureInfo.InvariantCulture) : from;
        var protocol = match.Groups["protocol"].Success ? match.Groups["protocol"].Value.ToLowerInvariant() : "tcp";
        return Enumerable.Range(from, Math.Max(0, to - from) + 1).Select(p => $"{p}/{protocol}");
    }

    [GeneratedRegex(@"^(?<from>\d{1,5})(-(?<to>\d{1,5}))?(/(?<protocol>tcp|udp|sctp|TCP|UDP))?$")]
    private static partial Regex PortRange();

    /// <summary>A path made absolute against the working directory, cleaned; a trailing '/' kept when asked.</summary>
    string Absolute(string path, bool keepSlash)
    {
        var joined = path.StartsWith('/') ? path : (_config.WorkingDir ?? "/") + "/" + path;
        var clean = "/" + BuildContext.Clean(joined);
        if (clean == "/..") clean = "/";
        return keepSlash && path.EndsWith('/') && clean != "/" ? clean + "/" : clean;
    }

    ImageTasksException Fail(string code, string message) => DockerfileProgram.Error(code, FileName, _current, message);
}
