using System.Net.Sockets;
using ImageTasks.Backend;
using ImageTasks.Tests;

namespace ImageTasks.Docker.Tests;

/// <summary>A test double of the engine: a unix socket this test listens on, which takes one request, gives one
/// answer, closes, and hands back the request's bytes.</summary>
sealed class OneAnswerEngine : IDisposable
{
    readonly TempFolder _folder = new();
    readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);

    public OneAnswerEngine()
    {
        var path = System.IO.Path.Combine(_folder.Path, "engine.sock");
        _listener.Bind(new UnixDomainSocketEndPoint(path));
        _listener.Listen(1);
        Endpoint = new EngineEndpoint(new Uri("unix://" + path), "test");
    }

    public EngineEndpoint Endpoint { get; }

    /// <summary>Reads the request until <paramref name="complete"/> says it is all there, then answers.</summary>
    public Task<byte[]> AnswerAsync(byte[] answer, Func<byte[], bool> complete) => Task.Run(async () =>
    {
        using var connection = await _listener.AcceptAsync();
        var request = new MemoryStream();
        var buffer = new byte[65536];
        while (!complete(request.ToArray()))
        {
            var read = await connection.ReceiveAsync(buffer, SocketFlags.None);
            if (read == 0) break;
            request.Write(buffer, 0, read);
        }
        await connection.SendAsync(answer, SocketFlags.None);
        connection.Shutdown(SocketShutdown.Both);
        return request.ToArray();
    });

    public void Dispose()
    {
        _listener.Dispose();
        _folder.Dispose();
    }
}
