using ImageTasks.Definition;
using ImageTasks.Diagnostics;

namespace ImageTasks.Engine;

/// <summary>
/// A step's build secrets and build environment reach its process through a fixed wrapper, never through the
/// container's environment (the engine's commit would merge that into the image) nor the command line (the image's
/// history shows it): each secret is a file in the step's secrets volume (<see cref="StepCommands.SecretsDir"/>/NAME),
/// which the wrapper reads and exports before it execs the step's command; the command line carries only the secrets'
/// names and the build environment (not secret: it is part of the key, as a RUN's ARG values are).
/// </summary>
public static class BuildSecrets
{
    /// <summary>sh -c WRAPPER DIR ARG... -- COMMAND...: an ARG "@NAME" exports NAME with the content of DIR/NAME (to the
    /// last byte: a trailing newline is kept), an ARG "NAME=value" exports it; then COMMAND runs in its place.</summary>
    public const string Wrapper =
        "d=$0; for a do shift; case $a in --) break;; @*) n=${a#@}; v=$(cat \"$d/$n\" && echo x) || exit 1; export \"$n=${v%x}\";; *) export \"$a\";; esac; done; exec \"$@\"";

    /// <summary>The run with the step's secrets (files, masked values) and build environment; the run as it is when it has neither.</summary>
    /// <param name="values">Secret name -> value, read when the build started.</param>
    public static StepRun Apply(StepRun run, BuildStep step, IReadOnlyDictionary<string, string> values)
    {
        if (step.Secrets.Count == 0 && step.BuildEnvironment.Count == 0) return run;
        if (run.Command is null)
            throw new ImageTasksException(ErrorCodes.SecretsOnCopy,
                $"The step ({step.Summary}) runs nothing, so its secrets ({string.Join(", ", step.Secrets)}) and build environment cannot be used. Remove Secrets and Env from its items.");
        var files = new Dictionary<string, string>(run.Secrets?.Files ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        foreach (var name in step.Secrets)
            files[name] = values.TryGetValue(name, out var value) ? value
                : throw new ImageTasksException(ErrorCodes.SecretMissing,
                    $"The build secret \"{name}\" of the step ({step.Summary}) has no value. Give it (an ImageSecret item says where it is read from), or remove it from the step's Secrets.");
        var masked = (run.Secrets?.Masked ?? []).Concat(step.Secrets.Select(n => files[n])).Where(v => v.Length > 0).Distinct(StringComparer.Ordinal)
            // the longest first, so a secret that contains another is masked whole
            .OrderByDescending(v => v.Length).ToArray();
        return run with
        {
            Command = ["/bin/sh", "-c", Wrapper, StepCommands.SecretsDir, .. step.Secrets.Select(n => "@" + n),
                .. step.BuildEnvironment.Select(e => e.Key + "=" + e.Value), "--", .. run.Command],
            Secrets = new StepSecrets(StepCommands.SecretsDir, files) { Masked = masked },
        };
    }
}
