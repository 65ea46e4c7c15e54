using ImageTasks.Backend;
using ImageTasks.Backend.Registry;
using ImageTasks.Diagnostics;
using ImageTasks.Engine.Publishing;
using ImageTasks.Tests;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ImageTasks.Engine.Tests;

/// <summary>The registry client of several platforms against the test bed's htpasswd registry: an image index written
/// with credentials and read back; refused without them, the password in no message.</summary>
[TestClass]
public sealed class ImageIndexRegistryTests : EngineFixture
{
    [TestMethod]
    [Timeout(300_000)]
    public async Task An_index_of_a_pushed_image_is_written_under_a_tag_and_read_back_as_written()
    {
        using var config = new TempFolder();
        Registries.WriteConfig(config, (TestBed.AuthRegistry, Registries.AuthUser, Registries.AuthPassword));
        var backend = await DockerBackend.ConnectAsync(new EngineEndpoint(new Uri(TestBed.DockerHost), "test bed"));
        using var _ = backend;
        backend.Credentials = new RegistryCredentials(config.Path, _ => null);
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
