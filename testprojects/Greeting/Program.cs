using System.Diagnostics;

// Runs in the image: Python with the pip-installed package, and the apt-installed jq.
Console.WriteLine("python: " + Run("python3", "-c", "import imgt_greeting; print(imgt_greeting.greet('x'))"));
Console.WriteLine("jq: " + Run("jq", "-n", "-c", "{tool: \"jq\", answer: (6 * 7)}"));

static string Run(string file, params string[] args)
{
    var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (var arg in args) start.ArgumentList.Add(arg);
    using var process = Process.Start(start)!;
    var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
    process.WaitForExit();
    return output.Trim();
}
