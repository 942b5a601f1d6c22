// The command-line pieces ipmi-cuse and ipmi-cuse-locate share: see
// cli_common.hpp.
#include "daemon/cli_common.hpp"

#include <sysexits.h>

#include <algorithm>
#include <sstream>

namespace ipmi::daemon {

namespace {

// CLI11 reads `--opt=` like a bare `--opt` and then takes the next argument
// as the value; `--opt ""` is the explicit empty value it understands (flags
// such as --sim take no value, so theirs stays as written).
std::vector<std::string> withEmptyValuesSplit(const CLI::App& app, int argc, const char* const* argv)
{
    std::vector<std::string> args;
    bool optionsEnded = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        optionsEnded = optionsEnded || arg == "--";
        if (!optionsEnded && arg.size() > 3 && arg.starts_with("--") && arg.find('=') == arg.size() - 1) {
            const std::string name(arg.substr(0, arg.size() - 1));
            const auto* option = app.get_option_no_throw(name);
            if (option == nullptr || option->get_items_expected_max() > 0) {
                args.push_back(name);
                args.emplace_back();
                continue;
            }
        }
        args.emplace_back(arg);
    }
    std::reverse(args.begin(), args.end()); // CLI11 takes its arguments last first
    return args;
}

} // namespace

bool isBooleanSetting(std::string_view section, std::string_view key)
{
    const auto& catalogue = settingCatalogue();
    return std::any_of(catalogue.begin(), catalogue.end(),
                       [&](const SettingInfo& i) { return i.boolean && section == i.section && key == i.key; });
}

CLI::Option* addValueOption(CLI::App& app, const std::string& flag, std::string& value, const std::string& help,
                            bool boolean)
{
    auto* option = app.add_option(flag, value, help);
    option->expected(0, 1);
    if (boolean) {
        option->default_str("1")->option_text("[BOOL]");
    }
    return option;
}

void addModuleOptions(CLI::App& app, std::string_view section, ModuleOptions& options)
{
    for (const auto& info : settingCatalogue()) {
        if (section != info.section) {
            continue;
        }
        const std::string id = std::string(info.section) + "." + info.key;
        addValueOption(app, "--" + id, options.values[id], info.help, info.boolean)
            ->group(std::string("Module ") + info.section);
        options.flagOf[id] = "--" + id;
    }
}

std::vector<Setting> givenSettings(const CLI::App& app, const ModuleOptions& options)
{
    std::vector<Setting> settings;
    for (const auto& [id, flag] : options.flagOf) {
        if (app.count(flag) == 0) {
            continue;
        }
        const auto dot = id.find('.');
        settings.push_back(Setting{id.substr(0, dot), id.substr(dot + 1), options.values.at(id), "option " + flag});
    }
    return settings;
}

std::optional<CommandLineExit> parseArguments(CLI::App& app, int argc, const char* const* argv)
{
    try {
        auto args = withEmptyValuesSplit(app, argc, argv);
        app.parse(args);
    } catch (const CLI::ParseError& e) {
        std::ostringstream out;
        std::ostringstream err;
        // --help and --version are CLI11's "errors" of code 0; the rest are
        // usage errors, whatever CLI11's own numbering.
        const int code = app.exit(e, out, err) == 0 ? 0 : EX_USAGE;
        return CommandLineExit{code, out.str(), err.str()};
    }
    return std::nullopt;
}

} // namespace ipmi::daemon
