using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace ImageTasks.Engine;

/// <summary>
/// The process that made a build container or a secrets volume, written into its name as
/// <c>-&lt;host&gt;-&lt;pid&gt;-&lt;start&gt;-&lt;random&gt;</c> (container labels would be merged into the committed image, so names
/// carry it). <see cref="Host"/> is a hash of the host name, machine id and pid namespace (a pid means something only
/// there); <see cref="Start"/> a hash of the process's start (boot id and start ticks on Linux), so a reused pid is
/// another owner. The start of a build removes what dead owners left (<see cref="Leftovers"/>).
/// </summary>
public sealed partial record BuildOwner(string Host, int ProcessId, string Start)
{
    /// <summary>This process.</summary>
    public static BuildOwner Current { get; } = new(HostId(), Environment.ProcessId, StartOf(Environment.ProcessId) ?? "00000000");

    /// <summary>The owner process of <paramref name="processId"/> on this host; null when no such process runs.</summary>
    public static BuildOwner? OfProcess(int processId) => StartOf(processId) is { } start ? new BuildOwner(Current.Host, processId, start) : null;

    /// <summary>A new name for something this owner makes: the prefix, the owner, and a random part.</summary>
    public string NewName(string prefix) => $"{prefix}{Host}-{ProcessId}-{Start}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>The owner written in a name by <see cref="NewName"/>; null for a name without one (made by an older version).</summary>
    public static BuildOwner? FromName(string name) => NamePattern().Match(name) is { Success: true } m && int.TryParse(m.Groups["pid"].Value, out var pid)
        ? new BuildOwner(m.Groups["host"].Value, pid, m.Groups["start"].Value)
        : null;

    /// <summary>Whether this owner is a process running now on this host (a process we may not look at counts as running).</summary>
    public bool IsRunningHere => Host == Current.Host && StartOf(ProcessId) is { } start && (start == Start || start == Unknown);

    [GeneratedRegex("-(?<host>[0-9a-f]{8})-(?<pid>[0-9]{1,10})-(?<start>[0-9a-f]{8})-[0-9a-f]{8}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    const string Unknown = "unknown";

    static string Hash(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..8].ToLowerInvariant();

    static string? ReadFirstLine(string path)
    {
        try { return File.Exists(path) ? File.ReadLines(path).FirstOrDefault()?.Trim() : null; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    static string HostId()
    {
        string? pidNamespace = null;
        try { pidNamespace = OperatingSystem.IsLinux() ? new FileInfo("/proc/self/ns/pid").LinkTarget : null; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return Hash($"{Environment.MachineName}\n{ReadFirstLine("/etc/machine-id")}\n{pidNamespace}");
    }

    /// <summary>A hash of the start of process <paramref name="processId"/>; null when it does not run; <see cref="Unknown"/>
    /// when it runs but may not be looked at.</summary>
    static string? StartOf(int processId)
    {
        if (OperatingSystem.IsLinux())
        {
            // field 22 of /proc/<pid>/stat: start time in clock ticks after boot; fields are counted after the command's ')'
            var stat = ReadFirstLine($"/proc/{processId}/stat");
            if (stat is null) return null;
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields.Length > 19 ? Hash($"{ReadFirstLine("/proc/sys/kernel/random/boot_id")}/{fields[19]}") : Unknown;
        }
        try
        {
            using var process = Process.GetProcessById(processId);
            return Hash(process.StartTime.ToUniversalTime().Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (ArgumentException) { return null; }
        catch (InvalidOperationException) { return null; }
        catch (System.ComponentModel.Win32Exception) { return Unknown; }
    }
}

/// <summary>
/// Which build containers and secrets volumes a new build removes. On this host: those of dead owners, and those of
/// this process that no build of it uses any more (a build whose engine died could not remove them). Of other hosts
/// (or without an owner in the name): those stopped or unused for <see cref="UnusedAge"/>, and those running for
/// <see cref="RunningAge"/>, since a live build on another machine cannot be told from a dead one.
/// </summary>
public static class Leftovers
{
    public static readonly TimeSpan UnusedAge = TimeSpan.FromHours(1);
    public static readonly TimeSpan RunningAge = TimeSpan.FromHours(24);

    /// <param name="name">The container's or volume's name.</param>
    /// <param name="inUse">A container is running; a volume is mounted by a container that stays.</param>
    /// <param name="since">When it was created, or a container stopped.</param>
    /// <param name="inUseHere">Whether a build of this process uses that name now.</param>
    public static bool ShouldRemove(string name, bool inUse, DateTimeOffset since, DateTimeOffset now, Func<string, bool> inUseHere)
    {
        if (BuildOwner.FromName(name) is { } owner && owner.Host == BuildOwner.Current.Host)
            return owner == BuildOwner.Current ? !inUseHere(name) : !owner.IsRunningHere;
        return now - since > (inUse ? RunningAge : UnusedAge);
    }
}
