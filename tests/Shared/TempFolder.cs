namespace ImageTasks.Tests;

/// <summary>A folder under the temp directory, deleted on dispose.</summary>
public sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateDirectory(System.IO.Path.Combine(System.IO.Path.GetTempPath(), "imagetasks-test-" + Guid.NewGuid().ToString("N")[..12])).FullName;

    public string File(string name, string text)
    {
        var file = System.IO.Path.Combine(Path, name);
        System.IO.File.WriteAllText(file, text);
        return file;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
