using ImageTasks.Core.Tests;
using static ImageTasks.Tasks.Tests.Items;
using ImageTasks.Diagnostics;

namespace ImageTasks.Tasks.Tests;

[TestClass]
public sealed class EnvironmentWarningTests
{
    [TestMethod]
    [DataRow("/opt/tool/bin:$PATH", "$PATH")]
    [DataRow("${HOME}/data", "${HOME}")]
    public async Task A_value_that_looks_like_a_substitution_warns_and_is_stored_literally(string value, string named)
    {
        var request = Request();
        request.EnvironmentVariables.Add(Data("PATH", "Value=" + value));
        var backend = FakeEngine.With(request.BaseImage!);
        var log = new ListTaskLog();

        var result = await backend.Runner().RunAsync(request, log, default);

        Assert.IsTrue(result.Success, string.Join("\n", log.Errors));
        var warning = log.Warnings.Single();
        Assert.AreEqual(ErrorCodes.LiteralSubstitution, warning.Code);
        StringAssert.Contains(warning.Message, $"\"{value}\"");
        StringAssert.Contains(warning.Message, named);
        StringAssert.Contains(warning.Message, "stored literally");
        CollectionAssert.Contains(backend.Runs.Last().Config.Env.ToList(), "PATH=" + value);
    }

    [TestMethod]
    [DataRow("production")]
    [DataRow("costs $5")]
    public async Task A_plain_value_does_not_warn(string value)
    {
        var request = Request();
        request.EnvironmentVariables.Add(Data("APP_MODE", "Value=" + value));
        var log = new ListTaskLog();

        Assert.IsTrue((await FakeEngine.With(request.BaseImage!).Runner().RunAsync(request, log, default)).Success);
        Assert.IsEmpty(log.Warnings);
    }
}
