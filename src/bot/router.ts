/** Sends each interaction to its command, autocomplete, button or modal handler, inside the error guard. */
import type { Interaction } from 'discord.js';
import { commandByName } from './command-list.ts';
import { onClipButton, onClipModal } from '../commands/clip-buttons.ts';
import type { CommandContext } from '../commands/types.ts';
import { parseClipId } from '../services/custom-ids.ts';
import { UserFacingError } from '../discord/errors.ts';
import { guarded } from '../discord/respond.ts';

export async function routeInteraction(interaction: Interaction, ctx: CommandContext): Promise<void> {
  if (interaction.isAutocomplete()) {
    const command = commandByName(interaction.commandName);
    try {
      await command?.autocomplete?.(interaction, ctx);
    } catch (err) {
      ctx.log.warn({ err, command: interaction.commandName }, 'autocomplete failed');
    }
    return;
  }
  if (interaction.isChatInputCommand()) {
    const command = commandByName(interaction.commandName);
    await guarded(interaction, ctx.log, `/${interaction.commandName}`, async () => {
      if (!command) throw new UserFacingError(`I do not know /${interaction.commandName} any more; Discord may still be showing an old command list. Try again in a few minutes.`);
      await command.execute(interaction, ctx);
    });
    return;
  }
  if (interaction.isMessageComponent() || interaction.isModalSubmit()) {
    await guarded(interaction, ctx.log, interaction.customId, async () => {
      const owner = commandByName(interaction.customId.split(':')[0]);
      if (owner?.component) {
        await owner.component(interaction, ctx);
        return;
      }
      const id = parseClipId(interaction.customId);
      if (!id) throw new UserFacingError('That button belongs to an older version of riffcord and no longer works. Run /riff again.');
      if (interaction.isButton() && !id.modal) await onClipButton(interaction, ctx, id);
      else if (interaction.isModalSubmit() && id.modal) await onClipModal(interaction, ctx, id);
      else throw new UserFacingError('That control does not work here. Run /riff again.');
    });
  }
}
