using ImageTasks.Tasks.Mapping;
using ImageTasks.Tasks.Protocol;
using ImageTasks.Diagnostics;

namespace ImageTasks.Tasks.Hosting;

/// <summary>
/// The out-of-process host: <c>dotnet ImageTasks.Tasks.dll REQUEST.json</c>. Runs the request on the engine, writes
/// every log entry and then the result as protocol lines on stdout (see <see cref="ProtocolWriter"/>), and cancels when
/// a line "cancel" arrives on stdin (or on Ctrl+C). Exit code 0 on success, 1 on failure, 2 on bad usage.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length != 1)
        {
            Console.Error.WriteLine("usage: dotnet ImageTasks.Tasks.dll REQUEST.json   (run by the ImageTasks MSBuild tasks)");
            return 2;
        }
        var output = new ProtocolWriter(Console.Out);
        ImageRequest request;
        try
        {
            request = Json.Deserialize<ImageRequest>(File.ReadAllText(args[0]));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Runtime.Serialization.SerializationException)
        {
            output.Error(ErrorCodes.InvalidRequest, args[0], 0, 0, $"Could not read the ImageTasks request \"{args[0]}\": {ex.Message}. The package may be damaged: restore it again.");
            output.Result(new ImageResult());
            return 1;
        }

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
        var stdin = new Thread(() =>
        {
            try
            {
                string? line;
                while ((line = Console.In.ReadLine()) is not null)
                    if (line.Trim() == OutOfProcessHost.CancelLine) { cancel.Cancel(); return; }
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException) { }
        }) { IsBackground = true, Name = "imagetasks-cancel" };
        stdin.Start();

        var result = RequestRunner.Default.Run(request, output, cancel.Token);
        output.Result(result);
        return result.Success ? 0 : 1;
    }
}
