using System.Text.Json;
using ImageTasks.Backend.Registry;
using ImageTasks.Tests;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ImageTasks.Docker.Tests;

/// <summary>Finding registry credentials as the docker CLI does, in a temp config folder; no engine needed.</summary>
[TestClass]
public sealed class RegistryCredentialsTests
{
    const string Helper = "docker-credential-imagetasks-test";

    static Task<CredentialLookup> FindAsync(TempFolder config, string registry, RegistryOperation operation = RegistryOperation.Pull,
        Dictionary<string, string>? env = null)
        => new RegistryCredentials(config.Path, name => env?.GetValueOrDefault(name)).FindAsync(registry, operation, default);

    static void Config(TempFolder folder, object config) => folder.File("config.json", JsonSerializer.Serialize(config));

    static string Base64(string text) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>A credential helper on a PATH of its own: it logs its arguments and stdin, and knows two servers.</summary>
    static Dictionary<string, string> HelperOnPath(TempFolder bin)
    {
        var script = bin.File(Helper, $$"""
            #!/bin/sh
            server=$(cat)
            echo "$*|$server" >> "{{bin.Path}}/calls"
            case "$server" in
              helped.example.com) echo '{"ServerURL":"helped.example.com","Username":"helper-user","Secret":"helper-secret"}' ;;
              token.example.com) echo '{"ServerURL":"token.example.com","Username":"<token>","Secret":"helper-token"}' ;;
              *) echo "credentials not found in native keychain"; exit 1 ;;
            esac
            """);
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return new() { ["PATH"] = bin.Path + ":/usr/bin:/bin" };
    }

    [TestMethod]
    public async Task Auths_base64_entry_decodes_to_user_and_password()
    {
        using var config = new TempFolder();
        Config(config, new { auths = new Dictionary<string, object> { ["registry.example.com"] = new { auth = Base64("me:p4ss:with-colon") } } });
        var found = await FindAsync(config, "registry.example.com");
        Assert.AreEqual("me", found.Credential?.Username);
        Assert.AreEqual("p4ss:with-colon", found.Credential?.Secret);
        StringAssert.Contains(found.Credential!.Source, Path.Combine(config.Path, "config.json"));
    }

    [TestMethod]
    public async Task Auths_keys_match_by_host_whatever_their_scheme_and_path()
    {
        using var config = new TempFolder();
        Config(config, new
        {
            auths = new Dictionary<string, object>
            {
                ["https://registry.example.com:5443/v2/"] = new { username = "plain", password = "text" },
                ["other.example.com"] = new { auth = Base64("tok:"), identitytoken = "refresh-token" },
            },
        });
        var plain = await FindAsync(config, "registry.example.com:5443");
        Assert.AreEqual(("plain", "text", false), (plain.Credential?.Username, plain.Credential?.Secret, plain.Credential?.IsIdentityToken));
        var token = await FindAsync(config, "other.example.com");
        Assert.AreEqual(("refresh-token", true), (token.Credential?.Secret, token.Credential?.IsIdentityToken));
        Assert.IsNull((await FindAsync(config, "registry.example.com")).Credential, "another port is another registry");
    }

    [TestMethod]
    public async Task Docker_Hub_is_found_under_the_CLI_index_key()
    {
        using var config = new TempFolder();
        Config(config, new { auths = new Dictionary<string, object> { [RegistryCredentials.DockerHubServer] = new { auth = Base64("hubuser:hubpass") } } });
        Assert.AreEqual("hubuser", (await FindAsync(config, "docker.io")).Credential?.Username);
        Assert.AreEqual(RegistryCredentials.DockerHubServer, RegistryCredentials.ServerAddress("docker.io"));
    }

    [TestMethod]
    public async Task CredHelpers_run_the_helper_with_get_and_the_server_on_stdin()
    {
        using var config = new TempFolder();
        using var bin = new TempFolder();
        var env = HelperOnPath(bin);
        Config(config, new
        {
            credHelpers = new Dictionary<string, string> { ["helped.example.com"] = "imagetasks-test", ["token.example.com"] = "imagetasks-test" },
            auths = new Dictionary<string, object> { ["helped.example.com"] = new { auth = Base64("file:ignored") } },
        });

        var helped = await FindAsync(config, "helped.example.com", env: env);
        Assert.AreEqual(("helper-user", "helper-secret"), (helped.Credential?.Username, helped.Credential?.Secret), "the helper wins over auths");
        StringAssert.Contains(helped.Credential!.Source, Helper);
        var token = await FindAsync(config, "token.example.com", env: env);
        Assert.IsTrue(token.Credential?.IsIdentityToken, "the <token> user marks an identity token");
        CollectionAssert.AreEqual(new[] { "get|helped.example.com", "get|token.example.com" }, File.ReadAllLines(Path.Combine(bin.Path, "calls")),
            "the only argument is 'get'; the server comes on stdin");
    }

    [TestMethod]
    public async Task CredsStore_with_nothing_for_the_server_or_missing_falls_back_to_auths_and_says_so()
    {
        using var config = new TempFolder();
        using var bin = new TempFolder();
        Config(config, new
        {
            credsStore = "imagetasks-test",
            credHelpers = new Dictionary<string, string> { ["missing.example.com"] = "not-installed" },
            auths = new Dictionary<string, object>
            {
                ["unknown.example.com"] = new { auth = Base64("file:fallback") },
                ["missing.example.com"] = new { auth = Base64("file2:fallback2") },
            },
        });
        var env = HelperOnPath(bin);
        var unknown = await FindAsync(config, "unknown.example.com", env: env);
        Assert.AreEqual("file", unknown.Credential?.Username);
        Assert.IsTrue(unknown.Searched.Any(s => s.Contains(Helper) && s.Contains("nothing for unknown.example.com")), string.Join("\n", unknown.Searched));

        var missing = await FindAsync(config, "missing.example.com", env: env);
        Assert.AreEqual("file2", missing.Credential?.Username);
        Assert.IsTrue(missing.Searched.Any(s => s.Contains("docker-credential-not-installed") && s.Contains("not found on PATH")), string.Join("\n", missing.Searched));
    }

    [TestMethod]
    public async Task Environment_variables_use_the_SDK_names_and_come_first()
    {
        using var config = new TempFolder();
        Config(config, new { auths = new Dictionary<string, object> { ["ci.example.com"] = new { auth = Base64("file:pw") } } });

        var push = await FindAsync(config, "ci.example.com", RegistryOperation.Push,
            new() { ["DOTNET_CONTAINER_REGISTRY_UNAME"] = "ci", ["DOTNET_CONTAINER_REGISTRY_PWORD"] = "ci-pw", ["SDK_CONTAINER_REGISTRY_UNAME"] = "old", ["SDK_CONTAINER_REGISTRY_PWORD"] = "old-pw" });
        Assert.AreEqual(("ci", "ci-pw"), (push.Credential?.Username, push.Credential?.Secret));
        StringAssert.Contains(push.Credential!.Source, "DOTNET_CONTAINER_REGISTRY_PWORD");

        var legacy = await FindAsync(config, "ci.example.com", RegistryOperation.Push,
            new() { ["SDK_CONTAINER_REGISTRY_UNAME"] = "old", ["SDK_CONTAINER_REGISTRY_PWORD"] = "old-pw" });
        Assert.AreEqual("old", legacy.Credential?.Username, "the names before SDK 8.0.400 still work");

        var pushOnly = await FindAsync(config, "ci.example.com", RegistryOperation.Push,
            new() { ["DOTNET_CONTAINER_PUSH_REGISTRY_UNAME"] = "pusher", ["DOTNET_CONTAINER_PUSH_REGISTRY_PWORD"] = "p", ["DOTNET_CONTAINER_REGISTRY_UNAME"] = "ci", ["DOTNET_CONTAINER_REGISTRY_PWORD"] = "ci-pw" });
        Assert.AreEqual("pusher", pushOnly.Credential?.Username, "the push variables win for a push");

        var pull = await FindAsync(config, "ci.example.com", RegistryOperation.Pull,
            new() { ["DOTNET_CONTAINER_REGISTRY_UNAME"] = "ci", ["DOTNET_CONTAINER_REGISTRY_PWORD"] = "ci-pw" });
        Assert.AreEqual("file", pull.Credential?.Username, "a pull reads only the pull variables, as the SDK does for base images");
        var pulled = await FindAsync(config, "ci.example.com", RegistryOperation.Pull,
            new() { ["DOTNET_CONTAINER_PULL_REGISTRY_UNAME"] = "puller", ["DOTNET_CONTAINER_PULL_REGISTRY_PWORD"] = "p" });
        Assert.AreEqual("puller", pulled.Credential?.Username);
    }

    [TestMethod]
    public void The_config_folder_is_DOCKER_CONFIG_or_home_dot_docker()
    {
        Assert.AreEqual("/ci/docker", RegistryCredentials.ConfigDirectory(n => n == "DOCKER_CONFIG" ? "/ci/docker" : "/home/u"));
        Assert.AreEqual("/home/u/.docker", RegistryCredentials.ConfigDirectory(n => n == "HOME" ? "/home/u" : null));
    }

    [TestMethod]
    public async Task A_missing_or_broken_config_is_anonymous_and_noted()
    {
        using var config = new TempFolder();
        var none = await FindAsync(config, "registry.example.com");
        Assert.IsNull(none.Credential);
        Assert.IsTrue(none.Searched.Any(s => s.Contains("does not exist")));
        config.File("config.json", "{ not json");
        var broken = await FindAsync(config, "registry.example.com");
        Assert.IsNull(broken.Credential);
        Assert.IsTrue(broken.Searched.Any(s => s.Contains("could not be read")));
    }

    [TestMethod]
    public void Records_never_print_the_secret_or_the_user()
    {
        var credential = new RegistryCredential("the-user", "the-secret", false, "somewhere");
        var lookup = new CredentialLookup("registry.example.com", credential, ["somewhere"]);
        foreach (var text in new[] { credential.ToString(), lookup.ToString() })
        {
            Assert.IsFalse(text.Contains("the-secret"), text);
            Assert.IsFalse(text.Contains("the-user"), text);
        }
    }
}
