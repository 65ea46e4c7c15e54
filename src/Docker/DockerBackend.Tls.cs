using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Docker.DotNet.X509;
using ImageTasks.Diagnostics;

namespace ImageTasks.Backend;

/// <summary>
/// A remote engine over TCP with TLS, as the docker CLI reaches it (DOCKER_HOST=tcp://..., DOCKER_TLS_VERIFY=1,
/// DOCKER_CERT_PATH with ca.pem, cert.pem, key.pem): this client's certificate is cert.pem/key.pem, and the engine's
/// certificate must chain to ca.pem (the system's roots when there is no ca.pem). Certificates that cannot be read,
/// an engine certificate not from that CA, and an engine that refuses this client's certificate are IMG4308.
/// </summary>
public sealed partial class DockerBackend
{
    static CertificateCredentials TlsCredentials(EngineTls tls)
    {
        var credentials = new CertificateCredentials(tls.Client);
        if (tls.Authority is { } authority) credentials.ServerCertificateValidationCallback = (_, certificate, _, errors) => EngineTls.IssuedBy(authority, certificate, errors);
        return credentials;
    }

    /// <summary>A failed first request over TLS: a handshake the engine (or this client) refused.</summary>
    static ImageTasksException? TlsFailure(EngineEndpoint endpoint, Exception e)
    {
        if (endpoint.TlsCertPath is not { } folder) return null;
        for (var x = e; x is not null; x = x.InnerException)
            if (x is AuthenticationException or IOException)
                return new ImageTasksException(ErrorCodes.EngineTlsRefused,
                    $"The TLS handshake with the engine at {endpoint.Uri} (from the {endpoint.Source}) failed with the certificates in {folder}: {x.Message.TrimEnd('.')}. " +
                    $"Check that {Path.Combine(folder, "cert.pem")} is a client certificate signed by the CA the engine trusts (its --tlscacert) and that " +
                    $"{Path.Combine(folder, "ca.pem")} is the CA of the engine's certificate; 'docker --tlsverify -H {endpoint.Uri.Host}:{endpoint.Uri.Port} version' with the same files tells the same.", e);
        return null;
    }
}

/// <summary>The certificates of a TLS connection to the engine: this client's (cert.pem, key.pem) and the authority the
/// engine's must chain to (ca.pem; null: the system's roots).</summary>
public sealed record EngineTls(X509Certificate2 Client, X509Certificate2? Authority)
{
    /// <summary>Reads the certificates in <paramref name="folder"/> (IMG4308 when they cannot be read).</summary>
    public static EngineTls Load(EngineEndpoint endpoint, string folder)
    {
        try
        {
            var client = X509Certificate2.CreateFromPemFile(Path.Combine(folder, "cert.pem"), Path.Combine(folder, "key.pem"));
            var ca = Path.Combine(folder, "ca.pem");
            return new EngineTls(client, File.Exists(ca) ? X509Certificate2.CreateFromPem(File.ReadAllText(ca)) : null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new ImageTasksException(ErrorCodes.EngineTlsRefused,
                $"The TLS certificates for the engine at {endpoint.Uri} (from the {endpoint.Source}) cannot be read from {folder}: {e.Message.TrimEnd('.')}. " +
                "Point DOCKER_CERT_PATH at a folder with cert.pem, key.pem and ca.pem (as 'docker --tlsverify' uses), or unset DOCKER_TLS_VERIFY.", e);
        }
    }

    /// <summary>The engine's certificate chains to <paramref name="authority"/> (and names the host; the CLI checks that too).</summary>
    public static bool IssuedBy(X509Certificate2 authority, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch)) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate as X509Certificate2 ?? new X509Certificate2(certificate));
    }
}
