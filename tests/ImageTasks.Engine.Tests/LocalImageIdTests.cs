using ImageTasks.Backend;
using ImageTasks.Tests;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ImageTasks.Engine.Tests;

/// <summary>The up-to-date check's direct question on the test bed's engine socket agrees with the backend's inspect.</summary>
[TestClass]
public sealed class LocalImageIdTests : EngineFixture
{
    [TestMethod]
    public async Task The_socket_answer_is_the_inspected_id_for_a_name_with_registry_and_path_and_null_for_an_unknown_one()
    {
        var endpoint = new EngineEndpoint(new Uri(TestBed.DockerHost), "test bed");
        Assert.AreEqual("unix", endpoint.Uri.Scheme, "the test bed's engine listens on a unix socket");
        var name = $"localhost:5000/imagetasks-tests/id-{Guid.NewGuid():N}:v1";
        TestBed.Docker("tag", TestBed.BasePlain, name);
        try
        {
            var inspected = (await Backend.InspectImageAsync(name, default))!.Id;
            Assert.AreEqual(inspected, LocalImageId.OnUnixSocket(endpoint, name));
            Assert.IsNull(LocalImageId.OnUnixSocket(endpoint, $"imagetasks-tests/none-{Guid.NewGuid():N}:v1"));
        }
        finally
        {
            TestBed.Run("docker", ["rmi", name]);
        }
    }
}
