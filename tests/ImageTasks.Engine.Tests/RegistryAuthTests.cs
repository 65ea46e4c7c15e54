using ImageTasks.Backend;
using ImageTasks.Backend.Registry;
using ImageTasks.Definition;
using ImageTasks.Diagnostics;
using ImageTasks.Engine.Publishing;
using ImageTasks.Tests;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ImageTasks.Engine.Tests;

/// <summary>Pull and push against the test bed's htpasswd registry, with credentials from a test config.json.</summary>
[TestClass]
public sealed class RegistryAuthTests : EngineFixture
{
    /// <summary>A backend of its own whose credentials come from <paramref name="config"/> only.</summary>
    static async Task<DockerBackend> BackendWith(TempFolder config)
    {
        var backend = await DockerBackend.ConnectAsync(new EngineEndpoint(new Uri(TestBed.DockerHost), "test bed"));
        backend.Credentials = new RegistryCredentials(config.Path, _ => null);
        return backend;
    }

    [TestMethod]
    public async Task Push_and_pull_work_with_credentials_from_a_config_json()
    {
        using var config = new TempFolder();
        Registries.WriteConfig(config, (TestBed.AuthRegistry, Registries.AuthUser, Registries.AuthPassword));
        using var backend = await BackendWith(config);
        var repository = $"imagetasks-tests/auth-{Guid.NewGuid():N}";
        var name = $"{TestBed.AuthRegistry}/{repository}:v1";
        TestBed.Docker("tag", TestBed.BasePlain, name);
        try
        {
            var pushed = await backend.PushImageAsync(name, _ => { }, default);
            Assert.AreEqual(1, pushed.PushedLayers.Count + pushed.ExistingLayers.Count, "the base's one layer is sent (or was there from an earlier run)");
            StringAssert.StartsWith(pushed.Digest, "sha256:");

            TestBed.Docker("rmi", name);
            Assert.IsNull(await backend.InspectImageAsync(name, default), "removed locally before the pull");
            await backend.PullImageAsync(name, _ => { }, default);
            Assert.AreEqual("pulled", TestBed.Docker("run", "--rm", name, "echo", "pulled").Trim());
        }
        finally
        {
            TestBed.Run("docker", ["rmi", name]);
            await Registries.DeleteAsync(TestBed.AuthRegistry, repository, "v1", (Registries.AuthUser, Registries.AuthPassword));
        }
    }

    [TestMethod]
    public async Task A_wrong_password_is_a_coded_error_naming_the_registry_and_the_password_shows_nowhere()
    {
        using var config = new TempFolder();
        var wrong = "wrong-" + Guid.NewGuid().ToString("N");
        Registries.WriteConfig(config, (TestBed.AuthRegistry, Registries.AuthUser, wrong));
        using var backend = await BackendWith(config);
        var repository = $"imagetasks-tests/denied-{Guid.NewGuid():N}";

        // pull, as a build does for a base image that is not on the engine
        var log = new CollectingLog();
        var definition = Definition($"{TestBed.AuthRegistry}/{repository}:v1", new ShellStep(["true"]));
        var pull = await Assert.ThrowsExactlyAsync<ImageTasksException>(() =>
            new ImageBuilder(backend).BuildAsync(definition, Options() with { Pull = PullPolicy.Always }, log, default));

        // push, as publishing does
        var image = (await Backend.InspectImageAsync(TestBed.BasePlain, default))!.Id;
        var options = new PublishOptions { Registry = TestBed.AuthRegistry, Repository = repository, Tags = ["v1"] };
        var push = await Assert.ThrowsExactlyAsync<ImageTasksException>(() => ImagePublisher.PublishAsync(backend, image, options, log, default));
        TestBed.Run("docker", ["rmi", $"{TestBed.AuthRegistry}/{repository}:v1"]);

        foreach (var (error, verb) in new[] { (pull, "pull"), (push, "push") })
        {
            Assert.AreEqual(ErrorCodes.RegistryUnauthorized, error.Code, error.Message);
            StringAssert.Contains(error.Message, $"The registry {TestBed.AuthRegistry} refused to let this engine {verb}");
            StringAssert.Contains(error.Message, Path.Combine(config.Path, "config.json"), "where the credentials came from");
            StringAssert.Contains(error.Message, $"docker login {TestBed.AuthRegistry}", "what to do");
            StringAssert.Contains(error.Message, verb == "pull" ? "DOTNET_CONTAINER_PULL_REGISTRY_PWORD" : "DOTNET_CONTAINER_REGISTRY_PWORD");
            foreach (var text in Everything(error).Concat(log.Lines).Concat(log.Output.Select(o => o.Line)))
            {
                Assert.IsFalse(text.Contains(wrong), $"the password leaked into: {text}");
                Assert.IsFalse(text.Contains(Registries.Base64($"{Registries.AuthUser}:{wrong}")), $"the auth leaked into: {text}");
            }
        }
    }

    [TestMethod]
    public async Task Without_credentials_the_error_says_where_they_were_looked_for()
    {
        using var config = new TempFolder();
        using var backend = await BackendWith(config);
        var name = $"{TestBed.AuthRegistry}/imagetasks-tests/anonymous-{Guid.NewGuid():N}:v1";
        var error = await Assert.ThrowsExactlyAsync<ImageTasksException>(() => backend.PullImageAsync(name, _ => { }, default));
        Assert.AreEqual(ErrorCodes.RegistryUnauthorized, error.Code);
        StringAssert.Contains(error.Message, "No credentials were found");
        StringAssert.Contains(error.Message, "DOTNET_CONTAINER_PULL_REGISTRY_UNAME");
        StringAssert.Contains(error.Message, $"{Path.Combine(config.Path, "config.json")} (does not exist)");
    }

    /// <summary>Every text of an exception and its inner ones: message, ToString, data.</summary>
    static IEnumerable<string> Everything(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            yield return e.Message;
            yield return e.ToString();
        }
    }

    /// <summary>The registry client of several platforms: an image index written with credentials and read back;
    /// refused without them, the password in no message.</summary>
    [TestMethod]
    [Timeout(300_000)]
    public async Task Several_platforms_an_index_of_a_pushed_image_is_written_under_a_tag_and_read_back_as_written()
    {
        using var config = new TempFolder();
        Registries.WriteConfig(config, (TestBed.AuthRegistry, Registries.AuthUser, Registries.AuthPassword));
        using var backend = await BackendWith(config);
        var repository = $"imagetasks-tests/index-{Guid.NewGuid():N}";
        var image = $"{TestBed.AuthRegistry}/{repository}:v1-linux-x64";
        TestBed.Docker("tag", TestBed.BasePlain, image);
        try
        {
            await backend.PushImageAsync(image, _ => { }, default);
            var digest = await IndexPublisher.PublishAsync(backend, TestBed.AuthRegistry, repository, ["v1"], [new PlatformImage("linux-x64", "linux/amd64")],
                ImageIndex.DockerManifestList, new CollectingLog(), default);
            var index = await backend.GetManifestAsync($"{TestBed.AuthRegistry}/{repository}:v1", default);
            Assert.IsNotNull(index);
            Assert.AreEqual(ImageIndex.DockerManifestList, index.MediaType);
            Assert.AreEqual(digest, index.Digest, "the registry holds the bytes written");
            var pushed = await backend.GetManifestAsync(image, default);
            CollectionAssert.AreEqual(new[] { ("linux/amd64", pushed!.Digest) }, ImageIndex.Read(index.Content).ToArray());

            // without credentials: refused, a coded error that names the registry
            var anonymous = new RegistryClient(new RegistryCredentials(new TempFolder().Path, _ => null));
            var e = await Assert.ThrowsExactlyAsync<ImageTasksException>(() => anonymous.PutManifestAsync($"{TestBed.AuthRegistry}/{repository}:v2", index.MediaType, index.Content, default));
            Assert.AreEqual(ErrorCodes.IndexRegistryRefused, e.Code);
            StringAssert.Contains(e.Message, TestBed.AuthRegistry);
            Assert.IsFalse(e.Message.Contains(Registries.AuthPassword, StringComparison.Ordinal));
        }
        finally
        {
            TestBed.Run("docker", ["rmi", image]);
            await Registries.DeleteAsync(TestBed.AuthRegistry, repository, "v1-linux-x64", (Registries.AuthUser, Registries.AuthPassword));
        }
    }
}
