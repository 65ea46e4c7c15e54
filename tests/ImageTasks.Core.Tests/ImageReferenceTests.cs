using ImageTasks.Definition;
using ImageTasks.Diagnostics;

namespace ImageTasks.Core.Tests;

[TestClass]
public sealed class ImageReferenceTests
{
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [TestMethod]
    [DataRow("ubuntu", "docker.io/library/ubuntu:latest", "ubuntu:latest")]
    [DataRow("huanjason/scikit-learn", "docker.io/huanjason/scikit-learn:latest", "huanjason/scikit-learn:latest")]
    [DataRow("python:3.12-slim", "docker.io/library/python:3.12-slim", "python:3.12-slim")]
    [DataRow("docker.io/library/ubuntu:22.04", "docker.io/library/ubuntu:22.04", "ubuntu:22.04")]
    [DataRow("index.docker.io/foo/bar", "docker.io/foo/bar:latest", "foo/bar:latest")]
    [DataRow("localhost/app", "localhost/app:latest", "localhost/app:latest")]
    [DataRow("localhost:5000/team/app:v1.2", "localhost:5000/team/app:v1.2", "localhost:5000/team/app:v1.2")]
    [DataRow("mcr.microsoft.com/dotnet/runtime:8.0", "mcr.microsoft.com/dotnet/runtime:8.0", "mcr.microsoft.com/dotnet/runtime:8.0")]
    [DataRow("[::1]:5000/app", "[::1]:5000/app:latest", "[::1]:5000/app:latest")]
    [DataRow("localhost:5000", "docker.io/library/localhost:5000", "localhost:5000")]
    [DataRow("a__b/c-d--e.f_g", "docker.io/a__b/c-d--e.f_g:latest", "a__b/c-d--e.f_g:latest")]
    [DataRow("ubuntu@" + Digest, "docker.io/library/ubuntu@" + Digest, "ubuntu@" + Digest)]
    [DataRow("ubuntu:22.04@" + Digest, "docker.io/library/ubuntu:22.04@" + Digest, "ubuntu:22.04@" + Digest)]
    public void ParsesAsTheDockerCli(string text, string fullName, string shortForm)
    {
        var reference = ImageReference.Parse(text);
        Assert.AreEqual(fullName, reference.FullName);
        Assert.AreEqual(shortForm, reference.ToString());
        Assert.AreEqual(reference, ImageReference.Parse(reference.ToString()));
    }

    [TestMethod]
    public void Splits_the_parts()
    {
        var reference = ImageReference.Parse("registry.example.com:443/team/app:1.0");
        Assert.AreEqual(("registry.example.com:443", "team/app", "1.0", (string?)null), (reference.Registry, reference.Repository, reference.Tag, reference.Digest));
        Assert.AreEqual("registry.example.com:443/team/app", reference.Name);
        Assert.AreEqual("ubuntu", ImageReference.Parse("ubuntu").Name);
    }

    [TestMethod]
    [DataRow("")]
    [DataRow("Ubuntu")]
    [DataRow("library/Ubuntu")]
    [DataRow("ubuntu:")]
    [DataRow("ubuntu:-tag")]
    [DataRow("ubuntu:.tag")]
    [DataRow("ubuntu:t@g")]
    [DataRow("ubuntu@sha256:abc")]
    [DataRow("ubuntu@md5:0123456789abcdef0123456789abcdef")]
    [DataRow("ubuntu bionic")]
    [DataRow("-ubuntu")]
    [DataRow("ubuntu-")]
    [DataRow("foo//bar")]
    [DataRow("foo/")]
    [DataRow("foo_.bar")]
    [DataRow("-bad.example.com/app")]
    [DataRow("example.com:port/app")]
    public void Bad_reference_fails(string text) =>
        Expect.Code(ErrorCodes.InvalidImageReference, text, () => ImageReference.Parse(text));

    [TestMethod]
    [DataRow("app:v1:2")]
    [DataRow("localhost:5000/team/app:v1:2")]
    public void A_colon_in_the_tag_is_a_bad_tag_naming_it(string text)
    {
        var e = Assert.ThrowsExactly<ImageTasksException>(() => ImageReference.Parse(text));
        Assert.AreEqual(ErrorCodes.InvalidImageReference, e.Code);
        StringAssert.Contains(e.Message, "its tag \"v1:2\"");
    }

    [TestMethod]
    public void Uppercase_first_part_is_a_registry() => Assert.AreEqual("MyRegistry", ImageReference.Parse("MyRegistry/app").Registry);

    [TestMethod]
    public void Too_long_tag_fails() =>
        Expect.Code(ErrorCodes.InvalidImageReference, "a:" + new string('t', 129), () => ImageReference.Parse("a:" + new string('t', 129)));
}
