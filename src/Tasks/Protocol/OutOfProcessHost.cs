using System.Diagnostics;
using System.Text;
using ImageTasks.Diagnostics;

namespace ImageTasks.Tasks.Protocol;

/// <summary>
/// Runs a request in a child process: <c>dotnet &lt;net8.0 task assembly&gt; request.json</c>. Used by the net472
/// task (Visual Studio's MSBuild cannot load the engine), and testable on .NET through the tasks' RunOutOfProcess switch.
/// Output lines are forwarded to the log as they come; on cancel the child is asked to stop (a line on its stdin,
/// so it removes its build container) and killed if it does not within <see cref="CancelGrace"/>.
/// </summary>
public sealed class OutOfProcessHost(string dotnetPath, string hostAssembly)
{
    public TimeSpan CancelGrace { get; set; } = TimeSpan.FromSeconds(30);

    public const string CancelLine = "cancel";

    /// <summary>The net8.0 assembly beside a net472 one in the package: tasks/net472/x.dll -> tasks/net8.0/x.dll.</summary>
    public static string DefaultHostAssembly(string taskAssemblyPath)
    {
        var folder = Path.GetDirectoryName(taskAssemblyPath)!;
        return Path.Combine(Path.GetDirectoryName(folder)!, "net8.0", Path.GetFileName(taskAssemblyPath));
    }

    /// <summary>The `dotnet` to run: DOTNET_HOST_PATH (set by the .NET SDK), else `dotnet` on PATH.</summary>
    public static string DefaultDotNet() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path && File.Exists(path) ? path : "dotnet";

    public ImageResult Run(ImageRequest request, ITaskLog log, CancellationToken cancellationToken)
    {
        if (!File.Exists(hostAssembly))
        {
            log.Error(ErrorCodes.HostNotStarted, request.ProjectFile, 0, 0,
                $"The ImageTasks host assembly \"{hostAssembly}\" does not exist. Restore the ImageTasks package again, or set ImageTasksHostAssembly to the net8.0 ImageTasks.Tasks.dll.");
            return new ImageResult();
        }
        var requestFile = Path.Combine(Path.GetTempPath(), "imagetasks-" + Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(requestFile, Json.Serialize(request), new UTF8Encoding(false));
        try
        {
            return RunHost(requestFile, request, log, cancellationToken);
        }
        finally
        {
            try { File.Delete(requestFile); } catch (IOException) { }
        }
    }

    private ImageResult RunHost(string requestFile, ImageRequest request, ITaskLog log, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(dotnetPath)
        {
            Arguments = Quote(hostAssembly) + " " + Quote(requestFile),
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.EnvironmentVariables["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = new Process { StartInfo = start };
        ImageResult? result = null;
        var gate = new object();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (gate) result = ProtocolReader.Forward(e.Data, log) ?? result;
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (gate) log.Message(false, e.Data);
        };
        try
        {
            process.Start();
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            log.Error(ErrorCodes.HostNotStarted, request.ProjectFile, 0, 0,
                $"Could not start \"{dotnetPath}\" to run ImageTasks out of process ({ex.Message}). Install the .NET 8 (or later) runtime, or put `dotnet` on PATH.");
            return new ImageResult();
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using (cancellationToken.Register(() => AskToStop(process)))
        {
            process.WaitForExit();
        }
        process.WaitForExit(); // drains the asynchronous readers
        lock (gate)
        {
            if (result is null)
            {
                if (cancellationToken.IsCancellationRequested)
                    log.Error(ErrorCodes.Canceled, request.ProjectFile, 0, 0, "The image build was canceled.");
                else
                    log.Error(ErrorCodes.HostFailed, request.ProjectFile, 0, 0,
                        $"The ImageTasks host exited with code {process.ExitCode} without a result. See the lines above; run the build with -v:n for more.");
                return new ImageResult();
            }
            return result;
        }
    }

    private void AskToStop(Process process)
    {
        try
        {
            process.StandardInput.WriteLine(CancelLine);
            process.StandardInput.Flush();
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or ObjectDisposedException) { }
        var grace = CancelGrace;
        ThreadPool.QueueUserWorkItem(_ =>
        {
            try
            {
                if (!process.WaitForExit((int)grace.TotalMilliseconds)) process.Kill();
            }
            catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException or System.ComponentModel.Win32Exception) { }
        });
    }

    private static string Quote(string argument) => "\"" + argument.Replace("\"", "\\\"") + "\"";
}
