// Runs in the image: shows what the Dockerfile, the setup command and the command item left there.
foreach (var file in new[] { "/etc/dockerfile-marker", "/etc/hello.txt", "/etc/setup-marker", "/etc/command-marker" })
    Console.WriteLine($"{file}: {(File.Exists(file) ? File.ReadAllText(file).Trim() : "(missing)")}");
Console.WriteLine("IMAGE_STAGE=" + Environment.GetEnvironmentVariable("IMAGE_STAGE"));
Console.WriteLine("FROM_ITEM=" + Environment.GetEnvironmentVariable("FROM_ITEM"));
