using System.Runtime.InteropServices;

// Runs in each platform's image: the architecture .NET runs on, and the one the build's command ran on.
Console.WriteLine($"app: {RuntimeInformation.OSArchitecture}, built on {File.ReadAllText("/built-on.txt").Trim()}");
