using System.IO.Pipes;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace ImageTasks.Backend;

/// <summary>
/// The engine's HTTP API spoken directly, for the requests every build makes (ping, version, image inspect and history,
/// load, tag, the leftover sweep's two lists): one HTTP/1.1 request per connection ("Connection: close"), the answer
/// read to its end. Starting the client library (Docker.DotNet) costs a one-line edit's build more than its requests do
/// (tests/Benchmarks client-start: ping, version and one inspect in a fresh process, ×0.39 of the library's time; README,
/// Measured), so the library is started only for the other requests (containers, pulls, pushes, saves).
/// </summary>
public sealed class EngineHttp(EngineEndpoint endpoint, EngineTls? tls = null)
{
    /// <summary>An answer: its status, its body (chunked transfer decoded) and its header lines ("Name: value").</summary>
    public readonly record struct Response(HttpStatusCode Status, byte[] Body, IReadOnlyList<string> HeaderLines)
    {
        public bool IsSuccess => (int)Status is >= 200 and < 300;
        public string Text => Encoding.UTF8.GetString(Body);

        /// <summary>The value of the first header named <paramref name="name"/> (any case), or null.</summary>
        public string? Header(string name) => HeaderLines.Select(l => l.Split(':', 2))
            .Where(p => p.Length == 2 && p[0].Trim().Equals(name, StringComparison.OrdinalIgnoreCase)).Select(p => p[1].Trim()).FirstOrDefault();
    }

    /// <summary>Sends one request; <paramref name="body"/>, when given, writes the request's body (sent chunked, as a
    /// tar). Any status is returned; a connection that fails throws (IOException, SocketException).</summary>
    public async Task<Response> SendAsync(string method, string target, Func<Stream, CancellationToken, Task>? body, CancellationToken cancellationToken)
    {
        await using var stream = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var head = $"{method} {target} HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n" +
                   (body is null ? "Content-Length: 0\r\n\r\n" : "Content-Type: application/x-tar\r\nTransfer-Encoding: chunked\r\n\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), cancellationToken).ConfigureAwait(false);
        if (body is not null)
        {
            var chunks = new ChunkedStream(stream);
            await using (var buffered = new BufferedStream(chunks, 1 << 16)) await body(buffered, cancellationToken).ConfigureAwait(false);
            await stream.WriteAsync("0\r\n\r\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
        }
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        using var answer = new MemoryStream();
        await stream.CopyToAsync(answer, cancellationToken).ConfigureAwait(false);
        return Parse(answer.GetBuffer().AsSpan(0, (int)answer.Length));
    }

    /// <summary>Sends one request without a body and returns the answer's body; a status other than 2xx throws
    /// <see cref="EngineRequestException"/>, except 404 when <paramref name="notFoundIsNull"/> (then null).</summary>
    public async Task<byte[]?> RequestAsync(string method, string target, CancellationToken cancellationToken, bool notFoundIsNull = false)
    {
        var response = await SendAsync(method, target, null, cancellationToken).ConfigureAwait(false);
        if (notFoundIsNull && response.Status == HttpStatusCode.NotFound) return null;
        return response.IsSuccess ? response.Body : throw new EngineRequestException(response.Status, response.Text);
    }

    /// <summary>A path segment as the engine reads it (an image reference keeps its '/', ':' and '@').</summary>
    public static string Escape(string reference) => string.Join('/', reference.Split('/').Select(Uri.EscapeDataString));

    /// <summary>The query parameter "filters" the engine's lists take: {"key": {"value": true}}.</summary>
    public static string Filter(string key, string value) => "filters=" + Uri.EscapeDataString($"{{\"{key}\":{{{System.Text.Json.JsonSerializer.Serialize(value)}:true}}}}");

    /// <summary>An HTTP/1.x answer read to its end: its status, and its body after the headers (by Content-Length, or
    /// chunked, or to the end). A malformed answer throws <see cref="IOException"/>, as a broken connection does.</summary>
    public static Response Parse(ReadOnlySpan<byte> answer)
    {
        var headerEnd = answer.IndexOf("\r\n\r\n"u8);
        if (headerEnd < 0) throw new IOException($"the engine's answer ended before its headers ({answer.Length} bytes)");
        var lines = Encoding.ASCII.GetString(answer[..headerEnd]).Split("\r\n");
        if (lines[0].Split(' ') is not [['H', 'T', 'T', 'P', '/', ..], var code, ..] || !int.TryParse(code, out var status))
            throw new IOException($"the engine answered what is not HTTP: '{lines[0]}'");
        var head = new Response((HttpStatusCode)status, [], lines[1..]);
        var body = answer[(headerEnd + 4)..];
        if (head.Header("Transfer-Encoding") is { } encoding && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase)) return head with { Body = Dechunk(body) };
        if (long.TryParse(head.Header("Content-Length"), out var length))
            body = length <= body.Length ? body[..(int)length] : throw new IOException($"the engine's answer ended after {body.Length} of its {length} bytes");
        return head with { Body = body.ToArray() };
    }

    static byte[] Dechunk(ReadOnlySpan<byte> chunked)
    {
        var body = new MemoryStream();
        while (true)
        {
            var lineEnd = chunked.IndexOf("\r\n"u8);
            if (lineEnd < 0) throw new IOException("the engine's chunked answer ended inside a chunk's size");
            var size = Encoding.ASCII.GetString(chunked[..lineEnd]).Split(';')[0].Trim();
            if (!int.TryParse(size, System.Globalization.NumberStyles.HexNumber, null, out var length) || length < 0)
                throw new IOException($"the engine's chunked answer has a chunk size '{size}'");
            if (length == 0) return body.ToArray();
            chunked = chunked[(lineEnd + 2)..];
            if (chunked.Length < length + 2) throw new IOException("the engine's chunked answer ended inside a chunk");
            body.Write(chunked[..length]);
            chunked = chunked[(length + 2)..];
        }
    }

    async Task<Stream> ConnectAsync(CancellationToken cancellationToken)
    {
        var uri = endpoint.Uri;
        switch (uri.Scheme)
        {
            case "unix":
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try { await socket.ConnectAsync(new UnixDomainSocketEndPoint(uri.LocalPath), cancellationToken).ConfigureAwait(false); }
                catch { socket.Dispose(); throw; }
                return new NetworkStream(socket, ownsSocket: true);
            case "npipe":
                // npipe://./pipe/docker_engine
                var pipe = new NamedPipeClientStream(uri.Host is { Length: > 0 } host ? host : ".", uri.AbsolutePath.Replace("/pipe/", "").TrimStart('/'), PipeDirection.InOut, PipeOptions.Asynchronous);
                try { await pipe.ConnectAsync(cancellationToken).ConfigureAwait(false); }
                catch { await pipe.DisposeAsync().ConfigureAwait(false); throw; }
                return pipe;
            default:
                var tcp = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try { await tcp.ConnectAsync(uri.Host, uri.Port, cancellationToken).ConfigureAwait(false); }
                catch { tcp.Dispose(); throw; }
                var network = new NetworkStream(tcp, ownsSocket: true);
                if (uri.Scheme != "https") return network;
                var ssl = new SslStream(network, leaveInnerStreamOpen: false);
                try
                {
                    await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                    {
                        TargetHost = uri.Host,
                        ClientCertificates = tls is null ? null : new X509CertificateCollection { tls.Client },
                        RemoteCertificateValidationCallback = tls?.Authority is { } authority
                            ? (_, certificate, _, errors) => EngineTls.IssuedBy(authority, certificate, errors)
                            : null,
                    }, cancellationToken).ConfigureAwait(false);
                }
                catch { await ssl.DisposeAsync().ConfigureAwait(false); throw; }
                return ssl;
        }
    }

    /// <summary>Writes every write as one chunk of HTTP's chunked transfer coding (the end chunk is the caller's).</summary>
    sealed class ChunkedStream(Stream inner) : Stream
    {
        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (buffer.IsEmpty) return;
            await inner.WriteAsync(Encoding.ASCII.GetBytes($"{buffer.Length:x}\r\n"), cancellationToken).ConfigureAwait(false);
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            await inner.WriteAsync("\r\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
        public override void Flush() { }
        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}

/// <summary>The engine answered a request with an error status; <see cref="Body"/> is its answer ({"message": ...}).</summary>
public sealed class EngineRequestException(HttpStatusCode status, string body) : Exception($"the engine answered {(int)status} {status}: {body.Trim()}")
{
    public HttpStatusCode StatusCode { get; } = status;
    public string Body { get; } = body;
}
