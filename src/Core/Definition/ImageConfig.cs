namespace ImageTasks.Definition;

/// <summary>The run-time configuration of an image, as the engine stores it.</summary>
public sealed record ImageConfig
{
    public IReadOnlyList<string> Env { get; init; } = [];
    public string? WorkingDir { get; init; }
    public string? User { get; init; }
    public IReadOnlyList<string>? Entrypoint { get; init; }
    public IReadOnlyList<string>? Cmd { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<string> ExposedPorts { get; init; } = [];
    public IReadOnlyList<string> Volumes { get; init; } = [];
    public string? StopSignal { get; init; }
    public Healthcheck? Healthcheck { get; init; }
    /// <summary>The shell of shell-form commands (null: /bin/sh -c).</summary>
    public IReadOnlyList<string>? Shell { get; init; }
    /// <summary>ONBUILD triggers a Dockerfile build would run on FROM.</summary>
    public IReadOnlyList<string> OnBuild { get; init; } = [];
}


/// <summary>How a configuration step changes an image's configuration (later values override earlier ones).</summary>
public static class ImageConfigs
{
    public static ImageConfig Apply(ImageConfig config, BuildStep step)
    {
        if (step is not ConfigStep c) return config;
        var env = config.Env.ToList();
        foreach (var (name, value) in c.Environment)
        {
            // as Docker: a variable set again keeps its place
            var at = env.FindIndex(e => e.StartsWith(name + "=", StringComparison.Ordinal) || e == name);
            env.RemoveAll(e => e.StartsWith(name + "=", StringComparison.Ordinal) || e == name);
            env.Insert(at < 0 ? env.Count : at, $"{name}={value}");
        }
        var labels = new Dictionary<string, string>(config.Labels);
        foreach (var (key, value) in c.Labels) labels[key] = value;
        return config with
        {
            Env = env,
            WorkingDir = c.WorkingDirectory ?? config.WorkingDir,
            User = c.User ?? config.User,
            Entrypoint = c.Entrypoint ?? config.Entrypoint,
            // As Docker does: a new entrypoint clears the inherited command unless one is given too.
            Cmd = c.Command ?? (c.Entrypoint is not null ? null : config.Cmd),
            Labels = labels,
            ExposedPorts = config.ExposedPorts.Union(c.ExposedPorts.Select(NormalizePort)).Order(StringComparer.Ordinal).ToArray(),
            Volumes = config.Volumes.Union(c.Volumes).Order(StringComparer.Ordinal).ToArray(),
            StopSignal = c.StopSignal ?? config.StopSignal,
            Healthcheck = c.Healthcheck ?? config.Healthcheck,
            Shell = c.Shell ?? config.Shell,
        };
    }

    /// <summary>"8080" -> "8080/tcp", as the engine stores exposed ports.</summary>
    public static string NormalizePort(string port) => port.Contains('/') ? port.ToLowerInvariant() : port + "/tcp";
}
