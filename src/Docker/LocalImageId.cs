using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace ImageTasks.Backend;

/// <summary>
/// The one question an up-to-date build asks the engine: which image id does this name have? Asked with one plain
/// HTTP/1.0 GET on the engine's unix socket, read with a forward-only JSON reader: no client library to load and warm
/// up, which costs an unchanged build more than the answer itself. Other endpoints (TCP, TLS) go through the full
/// backend.
/// </summary>
public static class LocalImageId
{
    /// <summary>The image id <paramref name="reference"/> has on the engine at <paramref name="endpoint"/>; null when
    /// the engine has no such image, or when it cannot be asked this way (not a unix socket, an unexpected answer):
    /// the caller then builds, and the build reports any real problem with its proper code.</summary>
    public static string? OnUnixSocket(EngineEndpoint endpoint, string reference)
    {
        if (endpoint.Uri.Scheme != "unix") throw new NotSupportedException("only unix sockets are asked directly");
        // blocking calls with timeouts: the one question needs no async machinery (which an unchanged build would JIT)
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified) { SendTimeout = 10_000, ReceiveTimeout = 10_000 };
        socket.Connect(new UnixDomainSocketEndPoint(endpoint.Uri.LocalPath));
        socket.Send(Encoding.ASCII.GetBytes($"GET /images/{Uri.EscapeDataString(reference)}/json HTTP/1.0\r\nHost: docker\r\n\r\n"));
        using var response = new MemoryStream();
        var buffer = new byte[16384];
        int read;
        while ((read = socket.Receive(buffer)) > 0) response.Write(buffer, 0, read);
        return IdOf(response.GetBuffer().AsSpan(0, (int)response.Length));
    }

    /// <summary>The top-level "Id" of an HTTP response holding an image inspect; null for any status but 200.</summary>
    public static string? IdOf(ReadOnlySpan<byte> response)
    {
        EngineHttp.Response answer;
        try { answer = EngineHttp.Parse(response); }
        catch (IOException) { return null; }
        if (answer.Status != System.Net.HttpStatusCode.OK) return null;
        var reader = new Utf8JsonReader(answer.Body);
        try
        {
            while (reader.Read())
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1)
                {
                    var isId = reader.ValueTextEquals("Id"u8);
                    reader.Read();
                    if (isId && reader.TokenType == JsonTokenType.String) return reader.GetString();
                    reader.Skip();
                }
        }
        catch (JsonException) { }
        return null;
    }
}
