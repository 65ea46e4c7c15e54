using System.Reflection;
using System.Text.RegularExpressions;
using ImageTasks.Diagnostics;

namespace ImageTasks.Core.Tests;

[TestClass]
public sealed class ErrorCodesTests
{
    [TestMethod]
    public void CodesAreUniqueAndWellFormed()
    {
        var codes = typeof(ErrorCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (f.Name, Code: (string)f.GetRawConstantValue()!)).ToArray();
        Assert.IsGreaterThan(15, codes.Length);
        foreach (var (name, code) in codes)
            Assert.IsTrue(Regex.IsMatch(code, @"^IMG\d{4}$"), $"{name} = {code}");
        var duplicates = codes.GroupBy(c => c.Code).Where(g => g.Count() > 1).Select(g => g.Key).ToArray();
        Assert.AreEqual(0, duplicates.Length, "duplicate codes: " + string.Join(", ", duplicates));
    }
}
