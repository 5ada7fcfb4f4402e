// One ethers Interface per contract ABI the tests encode calls for (built once, shared by all files).
import { Interface } from "ethers";
import { ABI } from "../../scripts/world";

export const IFACE = {
  erc20: new Interface(ABI.erc20()),
  aavePool: new Interface(ABI.aavePool()),
  erc4626: new Interface(ABI.erc4626()),
  swapRouter: new Interface(ABI.swapRouter()),
  pendleRouter: new Interface(ABI.pendleRouter()),
  safe: new Interface(ABI.safe()),
  weth9: new Interface(ABI.weth9()),
  multiSendCallOnly: new Interface(ABI.multiSendCallOnly()),
};
