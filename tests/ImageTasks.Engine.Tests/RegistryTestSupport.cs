using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ImageTasks.Tests;

namespace ImageTasks.Engine.Tests;

/// <summary>Test config.json files and registry clean-up.</summary>
public static class Registries
{
    public static string AuthUser => TestBed.Get("IMAGETASKS_AUTH_USER");
    public static string AuthPassword => System.IO.File.ReadAllText(TestBed.Get("IMAGETASKS_AUTH_PASSWORD_FILE")).Trim();

    public static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    /// <summary>A config.json with one auths entry per registry, as `docker login` writes it.</summary>
    public static void WriteConfig(TempFolder folder, params (string Registry, string User, string Password)[] logins)
        => folder.File("config.json", JsonSerializer.Serialize(new
        {
            auths = logins.ToDictionary(l => l.Registry, l => new { auth = Base64($"{l.User}:{l.Password}") }),
        }));

    /// <summary>Deletes a tag's manifest from a test bed registry (its blobs stay until the registry's garbage collection).</summary>
    public static async Task DeleteAsync(string registry, string repository, string tag, (string User, string Password)? login = null)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://{registry}/v2/{repository}/manifests/") };
        if (login is { } l) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Base64($"{l.User}:{l.Password}"));
        var head = new HttpRequestMessage(HttpMethod.Head, tag);
        head.Headers.Accept.ParseAdd("application/vnd.docker.distribution.manifest.v2+json");
        head.Headers.Accept.ParseAdd("application/vnd.oci.image.manifest.v1+json");
        using var found = await http.SendAsync(head);
        if (found.Headers.TryGetValues("Docker-Content-Digest", out var digests))
            (await http.DeleteAsync("./" + digests.First())).Dispose(); // "sha256:..." alone would read as a URI scheme
    }
}
