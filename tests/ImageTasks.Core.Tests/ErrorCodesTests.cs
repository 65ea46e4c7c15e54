using System.Reflection;
using System.Text.RegularExpressions;
using ImageTasks.Diagnostics;
using ImageTasks.Dockerfiles;

namespace ImageTasks.Core.Tests;

[TestClass]
public sealed class ErrorCodesTests
{
    /// <summary>Every code a user can see: the catalogue and the Dockerfile parser's own syntax codes.</summary>
    static (string Name, string Code)[] Catalogue() => new[] { typeof(ErrorCodes), typeof(DockerfileErrorCodes) }
        .SelectMany(type => type.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (type.Name + "." + f.Name, (string)f.GetRawConstantValue()!)))
        .ToArray();

    [TestMethod]
    public void Codes_are_unique_and_well_formed()
    {
        var codes = Catalogue();
        Assert.IsGreaterThan(50, codes.Length);
        foreach (var (name, code) in codes)
            Assert.IsTrue(Regex.IsMatch(code, @"^IMG\d{4}$"), $"{name} = {code}");
        var duplicates = codes.GroupBy(c => c.Code).Where(g => g.Count() > 1).Select(g => g.Key + ": " + string.Join(", ", g.Select(c => c.Name))).ToArray();
        Assert.AreEqual(0, duplicates.Length, "duplicate codes: " + string.Join("; ", duplicates));
        foreach (var (name, code) in codes.Where(c => c.Name.StartsWith("DockerfileErrorCodes.", StringComparison.Ordinal)))
            Assert.IsTrue(string.CompareOrdinal(code, "IMG6004") < 0, $"{name}: the parser keeps only its syntax codes");
    }

    [TestMethod]
    public void The_README_lists_exactly_the_codes_of_the_catalogue()
    {
        var readme = File.ReadAllText(Path.Combine(RepoRoot(), "README.md"));
        var listed = Regex.Matches(readme, @"^\| (IMG\d{4}) \|", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToArray();
        CollectionAssert.AreEquivalent(Catalogue().Select(c => c.Code).Order().ToArray(), listed.Order().ToArray(),
            "the README's codes table and the catalogue (src/Core/Diagnostics/ErrorCodes.cs, the parser's DockerfileErrorCodes) differ");
    }

    static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ImageTasks.sln"))) return dir.FullName;
        throw new InvalidOperationException("ImageTasks.sln not found above " + AppContext.BaseDirectory);
    }
}
