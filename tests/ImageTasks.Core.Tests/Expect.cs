using ImageTasks.Diagnostics;

namespace ImageTasks.Core.Tests;

internal static class Expect
{
    /// <summary>Asserts that <paramref name="action"/> fails with <paramref name="code"/> and that the message quotes <paramref name="value"/>.</summary>
    public static ImageTasksException Code(string code, string value, Action action)
    {
        var e = Assert.ThrowsExactly<ImageTasksException>(action);
        Assert.AreEqual(code, e.Code, e.Message);
        StringAssert.Contains(e.Message, $"\"{value}\"");
        return e;
    }
}
