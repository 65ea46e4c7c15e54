namespace ImageTasks.Tests;

/// <summary>A folder under the temp directory, deleted on dispose.</summary>
public sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateDirectory(System.IO.Path.Combine(System.IO.Path.GetTempPath(), "imagetasks-test-" + Guid.NewGuid().ToString("N")[..12])).FullName;

    /// <summary>Writes <paramref name="text"/> to <paramref name="name"/> (a relative path: its folders are made).</summary>
    public string File(string name, string text)
    {
        var file = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
        System.IO.File.WriteAllText(file, text);
        return file;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
