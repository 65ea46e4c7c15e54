using ImageTasks.Tests;

namespace ImageTasks.EndToEnd.Tests;

/// <summary>What referencing the package does to a project beyond building images: nothing the SDK's own container
/// support sees, and Clean removes what it leaves under obj/.</summary>
[TestClass]
public sealed class MSBuildIntegrationTests
{
    static readonly string[] SdkContainerProperties = ["ContainerRepository", "ContainerImageTag", "ContainerImageTags", "ContainerWorkingDirectory", "ContainerRuntimeIdentifier", "ContainerBaseImage"];

    static string Properties(Sample sample) =>
        sample.Run("msbuild", ["-restore", .. SdkContainerProperties.Select(p => "-getProperty:" + p)], docker: false) is var r && r.ExitCode == 0
            ? r.Output.Trim()
            : throw new AssertFailedException("getProperty failed: " + r);

    [TestMethod]
    [Timeout(900_000)]
    public void Referencing_the_package_changes_no_property_of_the_SDKs_container_support_and_clean_removes_obj_imagetasks()
    {
        var sample = Consumer.Copy("DataFile", nameof(Referencing_the_package_changes_no_property_of_the_SDKs_container_support_and_clean_removes_obj_imagetasks));
        var without = Consumer.Copy("DataFile", nameof(Referencing_the_package_changes_no_property_of_the_SDKs_container_support_and_clean_removes_obj_imagetasks) + "_without");
        without.Edit("DataFile.csproj", text => text.Replace("<Sdk Name=\"ImageTasks\" />", ""));
        Assert.AreEqual(Properties(without), Properties(sample), "the SDK's Container* properties are the same with and without ImageTasks");

        try
        {
            var build = sample.Build();
            Assert.AreEqual(0, build.ExitCode, build.ToString());
            var intermediate = Path.Combine(sample.Directory, "obj", "imagetasks");
            Assert.IsTrue(Directory.Exists(intermediate));
            var clean = sample.Run("clean", [], docker: false);
            Assert.AreEqual(0, clean.ExitCode, clean.ToString());
            Assert.IsFalse(Directory.Exists(intermediate), "Clean removes obj/imagetasks");
        }
        finally { Docker.RemoveImage(sample.Image); }
    }

    [TestMethod]
    [Timeout(600_000)]
    public void A_project_that_is_not_SDK_style_gets_IMG5016_saying_what_to_do()
    {
        var sample = Consumer.Copy("Greeting", nameof(A_project_that_is_not_SDK_style_gets_IMG5016_saying_what_to_do));
        Assert.AreEqual(0, sample.Run("restore", [], docker: false).ExitCode);
        // what a project without the .NET SDK looks like to the targets
        var check = sample.Run("msbuild", ["-t:_ImageTasksCheckProject", "-p:BuildImage=true", "-p:UsingMicrosoftNETSdk=false"], docker: false);
        Assert.AreNotEqual(0, check.ExitCode, check.ToString());
        StringAssert.Matches(check.Output, new System.Text.RegularExpressions.Regex(@"error IMG5016: Greeting\.csproj is not an SDK-style \.NET project.*set BuildImage=false"), check.ToString());
    }
}
