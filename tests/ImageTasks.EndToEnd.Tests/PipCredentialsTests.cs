using System.Text;
using ImageTasks.Tests;

namespace ImageTasks.EndToEnd.Tests;

/// <summary>A pip index password, against the test bed's basic-auth index: it reaches pip, and nothing ImageTasks writes.</summary>
[TestClass]
public sealed class PipCredentialsTests
{
    static string Password => File.ReadAllText(TestBed.Get("IMAGETASKS_AUTH_PASSWORD_FILE")).Trim();

    static string PrivateUrlWithPassword =>
        TestBed.PrivatePypiUrl.Replace("http://", $"http://{TestBed.AuthUser}:{Uri.EscapeDataString(Password)}@", StringComparison.Ordinal);

    /// <summary>Every file under the project folder (obj/ with the definition stamp, the report, the file index) holding the text.</summary>
    static string[] FilesHolding(string folder, string text) => Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
        .Where(f => !f.EndsWith(".binlog", StringComparison.Ordinal))
        .Where(f => File.ReadAllBytes(f).AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0).ToArray();

    [TestMethod]
    [Timeout(900_000)]
    public void The_index_password_from_the_variable_reaches_pip_and_no_log_binlog_file_or_image()
    {
        var sample = Consumer.Copy("Greeting", nameof(The_index_password_from_the_variable_reaches_pip_and_no_log_binlog_file_or_image));
        var binlog = Path.Combine(sample.Directory, "pip.binlog");
        try
        {
            // the property points at nothing: only the variable's index can install the package
            var build = sample.Run("build", [.. sample.TestBedProperties(), "-p:ImagePipIndexUrl=http://127.0.0.1:9/simple", "-bl:" + binlog], docker: true,
                new Dictionary<string, string> { ["IMAGETASKS_PIP_INDEX_URL"] = PrivateUrlWithPassword });
            Assert.AreEqual(0, build.ExitCode, build.ToString());
            Assert.IsFalse(build.Output.Contains(Password, StringComparison.Ordinal), "the password is not in the build output");
            Assert.AreEqual(-1, RegistryTests.BinlogBytes(binlog).AsSpan().IndexOf(Encoding.UTF8.GetBytes(Password)), "the password is not in the binlog");
            CollectionAssert.AreEqual(Array.Empty<string>(), FilesHolding(sample.Directory, Password), "no file of the project holds it");
            var history = TestBed.Docker("history", "--no-trunc", "--format", "{{.CreatedBy}}", sample.Image);
            Assert.IsFalse(history.Contains(Password, StringComparison.Ordinal), "the image history does not hold it");
            StringAssert.Contains(Docker.RunImage(sample.Image), "python: hello x in teal", "the package came from the private index");
        }
        finally { Docker.RemoveImage(sample.Image); }
    }

    [TestMethod]
    [Timeout(900_000)]
    public void A_password_in_the_property_warns_IMG5011_and_stays_out_of_the_definition_stamp()
    {
        var sample = Consumer.Copy("Greeting", nameof(A_password_in_the_property_warns_IMG5011_and_stays_out_of_the_definition_stamp));
        try
        {
            var build = sample.Run("build", [.. sample.TestBedProperties(), "-p:ImagePipIndexUrl=" + PrivateUrlWithPassword], docker: true);
            Assert.AreEqual(0, build.ExitCode, build.ToString());
            StringAssert.Matches(build.Output, new System.Text.RegularExpressions.Regex(@"warning IMG5011: ImagePipIndexUrl .*IMAGETASKS_PIP_INDEX_URL"), build.ToString());
            CollectionAssert.AreEqual(Array.Empty<string>(), FilesHolding(Path.Combine(sample.Directory, "obj", "imagetasks"), Password),
                "obj/imagetasks (the definition stamp, the report) does not hold it");
        }
        finally { Docker.RemoveImage(sample.Image); }
    }
}
