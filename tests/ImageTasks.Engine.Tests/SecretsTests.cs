using System.Text;
using ImageTasks.Definition;
using ImageTasks.Diagnostics;
using ImageTasks.Planning;
using ImageTasks.Tests;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ImageTasks.Engine.Tests;

/// <summary>An index password in a pip URL reaches pip and nothing else: no log, layer, history, config or key.</summary>
[TestClass]
public sealed class SecretsTests : EngineFixture
{
    static PipStep PrivateGreeting(string? password) => new([PipPackage.Create("imgt-greeting", "2.0.0")], new PipOptions
    {
        IndexUrl = password is null ? TestBed.PrivatePypiUrl
            : TestBed.PrivatePypiUrl.Replace("http://", $"http://{TestBed.AuthUser}:{Uri.EscapeDataString(password)}@", StringComparison.Ordinal),
    });

    [TestMethod]
    public async Task The_private_index_needs_the_password()
    {
        var error = await Assert.ThrowsExactlyAsync<ImageTasksException>(() => BuildAsync(Definition(TestBed.BasePython, PrivateGreeting(null))));
        Assert.AreEqual(ErrorCodes.StepFailed, error.Code);
    }

    [TestMethod]
    public async Task An_index_password_reaches_pip_and_nothing_else()
    {
        var password = TestBed.AuthPassword;
        var tag = $"imagetasks-test/secret:{Guid.NewGuid():N}";
        var log = new CollectingLog();
        var result = await BuildAsync(Definition(TestBed.BasePython, PrivateGreeting(password)), Options(tag), log);
        Assert.AreEqual(1, result.Built);
        Assert.AreEqual("hello z in teal (greeting 2.0.0, colors 2.0.0)",
            RunInImage(tag, "python3", "-c", "import imgt_greeting; print(imgt_greeting.greet('z'))"), "pip used the password");

        var everything = string.Join("\n", log.Lines.Concat(log.Output.Select(o => o.Line)));
        StringAssert.DoesNotMatch(everything, new System.Text.RegularExpressions.Regex(System.Text.RegularExpressions.Regex.Escape(password)), "not in the log");
        Assert.IsFalse(TestBed.Docker("history", "--no-trunc", "--format", "{{.CreatedBy}}", tag).Contains(password), "not in the history");
        Assert.IsFalse(TestBed.Docker("image", "inspect", tag).Contains(password), "not in the image config");
        var saved = Path.GetTempFileName();
        TestBed.Docker("save", "-o", saved, tag);
        Assert.AreEqual(-1, IndexOf(File.ReadAllBytes(saved), Encoding.UTF8.GetBytes(password)), "not in any layer");
        File.Delete(saved);
        Assert.AreEqual("", TestBed.Docker("volume", "ls", "-q", "--filter", "name=imagetasks-secrets-").Trim(), "the secrets volume is removed");

        // the step's mounts (the pip cache, the secrets) leave no folder behind: the layer holds what pip installed
        const string MountPoints = "ls -A /mnt /run; for d in /var/cache/imagetasks /run/imagetasks-secrets; do test -e $d && echo leftover $d; done; true";
        Assert.AreEqual(RunInImage(TestBed.BasePython, "sh", "-c", MountPoints), RunInImage(tag, "sh", "-c", MountPoints));

        var baseId = result.BaseImageId;
        string Key(string pw) => Planner.Plan(Definition(TestBed.BasePython, PrivateGreeting(pw)), baseId, new FileDigester()).Steps[0].Key;
        Assert.AreEqual(Key(password), Key("another-password"), "the password is not part of the key");
        TestBed.Docker("rmi", tag);
    }

    static int IndexOf(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle);
}
