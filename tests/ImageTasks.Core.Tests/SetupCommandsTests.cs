using ImageTasks.Definition;
using ImageTasks.Diagnostics;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ImageTasks.Core.Tests;

[TestClass]
public sealed class SetupCommandsTests
{
    [TestMethod]
    public void Each_line_is_one_step()
    {
        var steps = SetupCommands.Parse([
            "RUN apt-get update && \\",
            "    apt-get install -y python3-pip",
            "run [\"python3\", \"-V\"]",
            "ENV A=1 B=\"two words\"",
            "WORKDIR /srv",
            "USER 1000",
            "CMD [\"python3\"]",
        ]);
        Assert.HasCount(6, steps);
        CollectionAssert.AreEqual(new[] { "/bin/sh", "-c", "apt-get update &&     apt-get install -y python3-pip" }, ((RunStep)steps[0]).Command.ToArray());
        CollectionAssert.AreEqual(new[] { "python3", "-V" }, ((RunStep)steps[1]).Command.ToArray());
        CollectionAssert.AreEqual(new[] { "A", "B" }, ((ConfigStep)steps[2]).Environment.Select(e => e.Key).ToArray());
        Assert.AreEqual("two words", ((ConfigStep)steps[2]).Environment[1].Value);
        Assert.AreEqual("/srv", ((ConfigStep)steps[3]).WorkingDirectory);
        Assert.AreEqual("1000", ((ConfigStep)steps[4]).User);
        CollectionAssert.AreEqual(new[] { "python3" }, ((ConfigStep)steps[5]).Command!.ToArray());
    }

    [TestMethod]
    [DataRow("COPY a /b")]
    [DataRow("FROM debian")]
    [DataRow("ENV PATH=$PATH:/opt/bin")]
    [DataRow("RUN --mount=type=cache,target=/x true")]
    public void Other_instructions_and_variables_are_refused_with_the_line(string line)
    {
        var error = Assert.ThrowsExactly<ImageTasksException>(() => SetupCommands.Parse(["RUN true", line]));
        Assert.AreEqual(ErrorCodes.UnsupportedSetupCommand, error.Code);
        Assert.AreEqual(2, error.Line);
        StringAssert.Contains(error.Message, line.Split(' ')[0]);
    }

    [TestMethod]
    [DataRow("NOTANINSTRUCTION x")]
    [DataRow("RUN")]
    [DataRow("WORKDIR")]
    public void A_syntax_error_keeps_its_dockerfile_code_and_position(string line)
    {
        var error = Assert.ThrowsExactly<ImageTasksException>(() => SetupCommands.Parse(["RUN true", line]));
        StringAssert.StartsWith(error.Code, "IMG6");
        Assert.AreEqual(2, error.Line);
    }
}
